package dev.gateway.server;

import dev.gateway.core.auth.HmacAlgorithm;
import dev.gateway.core.auth.HmacVerifier;
import dev.gateway.core.auth.SigningString;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code gateway-server sign --app KEY --secret SECRET METHOD TARGET}: prints the headers that sign one request for
 * hmac-auth, one {@code Name: value} line each, computed with the code the gateway verifies with
 * ({@link SigningString}, {@link HmacVerifier}). Made for curl, which reads such lines with {@code -H @file}:
 *
 * <pre>
 * java -jar gateway-server.jar sign --app demo-app --secret demo-secret GET /signed/orders \
 *   | curl -i -H @- localhost:8080/signed/orders
 * </pre>
 *
 * <p>Signs {@code x-date request-line} by default (what the shipped {@code signed} route requires), and
 * {@code digest} too when a body is given. Other signed names come from {@code --header} (printed as well),
 * {@code --host}, or are signed as absent.
 */
final class SignCommand {
    static final String USAGE = "usage: gateway-server sign --app KEY (--secret SECRET | --secret-env VAR) "
            + "[--algorithm hmac-sha256] [--headers 'x-date request-line'] [--header 'Name: value']... "
            + "[--host HOST] [--body TEXT | --body-file FILE] [--http-version HTTP/1.1] METHOD TARGET";
    /** IMF-fixdate (RFC 9110 5.6.7): always two-digit days, unlike {@code RFC_1123_DATE_TIME}. */
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private SignCommand() {}

    /** @param args what follows {@code sign} on the command line */
    static int run(String[] args, PrintStream out, PrintStream err, Function<String, String> env, Clock clock) {
        String app = null;
        String secret = null;
        HmacAlgorithm algorithm = HmacAlgorithm.HMAC_SHA256;
        List<String> names = null;
        Map<String, String> headers = new LinkedHashMap<>(); // lower-case name -> value, printed in this order
        Map<String, String> spelled = new LinkedHashMap<>(); // lower-case name -> the name as given
        byte[] body = null;
        String version = "HTTP/1.1";
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                out.println(USAGE);
                out.println("  prints X-Date, Authorization (and Digest with a body) as Name: value lines;");
                out.println("  e.g. ... sign --app K --secret S GET /path | curl -H @- http://localhost:8080/path");
                return 0;
            }
            if (!a.startsWith("--")) {
                positional.add(a);
                continue;
            }
            if (i + 1 >= args.length) {
                err.println(a + " needs a value\n" + USAGE);
                return 2;
            }
            String v = args[++i];
            switch (a) {
                case "--app" -> app = v;
                case "--secret" -> secret = v;
                case "--secret-env" -> {
                    secret = env.apply(v);
                    if (secret == null) {
                        err.println("environment variable " + v + " is not set");
                        return 2;
                    }
                }
                case "--algorithm" -> {
                    algorithm = HmacAlgorithm.fromWire(v);
                    if (algorithm == null) {
                        err.println("unknown algorithm '" + v + "' (hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha1)");
                        return 2;
                    }
                }
                case "--headers" -> names = List.of(v.trim().toLowerCase(Locale.ROOT).split("\\s+"));
                case "--header" -> {
                    int colon = v.indexOf(':');
                    if (colon <= 0) {
                        err.println("--header needs 'Name: value', found '" + v + "'");
                        return 2;
                    }
                    String name = v.substring(0, colon).trim();
                    headers.put(name.toLowerCase(Locale.ROOT), v.substring(colon + 1).trim());
                    spelled.put(name.toLowerCase(Locale.ROOT), name);
                }
                case "--host" -> {
                    headers.put("host", v);
                    spelled.put("host", "Host");
                }
                case "--body" -> body = v.getBytes(StandardCharsets.UTF_8);
                case "--body-file" -> {
                    try {
                        body = Files.readAllBytes(Path.of(v));
                    } catch (IOException e) {
                        err.println("cannot read " + v + ": " + e);
                        return 1;
                    }
                }
                case "--http-version" -> version = v;
                default -> {
                    err.println("unknown argument: " + a + "\n" + USAGE);
                    return 2;
                }
            }
        }
        if (app == null || secret == null || positional.size() != 2) {
            err.println(USAGE);
            return 2;
        }
        String method = positional.get(0).toUpperCase(Locale.ROOT);
        String target = positional.get(1);
        if (!target.startsWith("/")) {
            err.println("TARGET is the request target as sent, path and query: /orders?id=7 (found '" + target
                    + "')");
            return 2;
        }
        if (names == null) {
            names = body == null ? List.of("x-date", "request-line") : List.of("x-date", "request-line", "digest");
        }
        if (names.contains("x-date") && !headers.containsKey("x-date")) {
            headers.put("x-date", HTTP_DATE.format(clock.instant()));
            spelled.put("x-date", "X-Date");
        }
        if (body != null) {
            headers.put("digest", "SHA-256=" + Base64.getEncoder().encodeToString(sha256(body)));
            spelled.put("digest", "Digest");
        }
        String signing = SigningString.build(names, method, target, version, headers::get);
        String signature = HmacVerifier.sign(algorithm, secret.getBytes(StandardCharsets.UTF_8), signing);
        for (var e : headers.entrySet()) {
            out.println(spelled.get(e.getKey()) + ": " + e.getValue());
        }
        out.println("Authorization: hmac username=\"" + app + "\", algorithm=\"" + algorithm.wireName()
                + "\", headers=\"" + String.join(" ", names) + "\", signature=\"" + signature + "\"");
        return 0;
    }

    private static byte[] sha256(byte[] body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
