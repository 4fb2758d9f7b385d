package dev.gateway.loadtest.loadgen;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The generator's command line, parsed and checked. Every bound is enforced here, so a run is always finite: the
 * target must be on loopback, the rate, duration, connections and threads have ceilings.
 *
 * @param ceiling closed loop at full speed (each connection sends its next request when the last one completes)
 *     instead of a schedule; {@code rate} is then 0
 * @param maxBacklog requests a thread may hold due but unsent before the run stops ({@code errors.backlog})
 */
record LoadGenOptions(
        URI url,
        InetSocketAddress address,
        String hostHeader,
        String target,
        int rate,
        boolean ceiling,
        Duration duration,
        Duration warmup,
        Duration timeout,
        int connections,
        int threads,
        String method,
        byte[] body,
        List<Header> headers,
        HmacKey sign,
        Map<String, Integer> mix,
        Path out,
        int maxBacklog,
        String commandLine) {

    static final int MAX_RATE = 1_000_000;
    static final Duration MAX_DURATION = Duration.ofHours(1);
    static final Duration MAX_WARMUP = Duration.ofMinutes(5);
    static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);
    static final int MAX_CONNECTIONS = 10_000;
    static final int MAX_THREADS = 64;
    static final int MAX_BODY = 64 * 1024 * 1024;
    static final int MAX_BACKLOG = 10_000_000;

    /** One extra request header, sent as given. */
    record Header(String name, String value) {}

    /** The app key and secret of {@code --sign hmac:KEY:SECRET}. */
    record HmacKey(String key, byte[] secret) {
        @Override
        public String toString() {
            return "HmacKey[" + key + ", secret=***]";
        }
    }

    static final String USAGE = """
            usage: java -jar loadtest/target/loadgen.jar --url URL (--rate N | --ceiling) --duration 10s --out PREFIX
                   [--connections 64] [--threads 1] [--warmup 2s] [--timeout 5s] [--method GET]
                   [--body-size N | --body-file FILE] [--header 'Name: value']... [--sign hmac:KEY:SECRET]
                   [--mix plain:3,hmac:1] [--max-backlog N]
              URL        http://127.0.0.1|localhost|[::1][:port]/path?query (loopback only)
              --rate     offered requests per second (1..1000000), sent on a fixed schedule; latency counts from
                         each request's intended send time
              --ceiling  closed loop instead: every connection sends its next request as soon as the last completes
              writes PREFIX.jsonl (one summary line) and PREFIX.hlog (HdrHistogram interval log, microseconds)
            """;

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    static LoadGenOptions parse(String... args) throws UsageException {
        String url = null;
        String rate = null;
        boolean ceiling = false;
        String duration = null;
        String warmup = "2s";
        String timeout = "5s";
        String connections = "64";
        String threads = "1";
        String method = "GET";
        String bodySize = null;
        String bodyFile = null;
        List<Header> headers = new ArrayList<>();
        String sign = null;
        String mix = null;
        String out = null;
        String maxBacklog = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--ceiling")) {
                ceiling = true;
                continue;
            }
            if (flag.equals("-h") || flag.equals("--help")) {
                throw new UsageException("help");
            }
            if (i + 1 >= args.length) {
                throw new UsageException(flag + " needs a value");
            }
            String value = args[++i];
            switch (flag) {
                case "--url" -> url = value;
                case "--rate" -> rate = value;
                case "--duration" -> duration = value;
                case "--warmup" -> warmup = value;
                case "--timeout" -> timeout = value;
                case "--connections" -> connections = value;
                case "--threads" -> threads = value;
                case "--method" -> method = value;
                case "--body-size" -> bodySize = value;
                case "--body-file" -> bodyFile = value;
                case "--header" -> headers.add(header(value));
                case "--sign" -> sign = value;
                case "--mix" -> mix = value;
                case "--out" -> out = value;
                case "--max-backlog" -> maxBacklog = value;
                default -> throw new UsageException("unknown option " + flag);
            }
        }
        if (url == null) {
            throw new UsageException("--url is required");
        }
        if (duration == null) {
            throw new UsageException("--duration is required (at most " + MAX_DURATION.toMinutes() + "m)");
        }
        if (out == null) {
            throw new UsageException("--out PREFIX is required (writes PREFIX.jsonl and PREFIX.hlog)");
        }
        if (ceiling == (rate != null)) {
            throw new UsageException("give exactly one of --rate N (open loop) and --ceiling (closed loop)");
        }
        URI uri = uri(url);
        InetSocketAddress address = loopback(uri);
        int port = address.getPort();
        String hostHeader = (uri.getHost().contains(":") ? "[" + address.getHostString() + "]"
                : uri.getHost().toLowerCase(Locale.ROOT)) + (uri.getPort() == -1 ? "" : ":" + port);
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());

        int rateN = ceiling ? 0 : intIn("--rate", rate, 1, MAX_RATE);
        Duration d = durationIn("--duration", duration, Duration.ofMillis(100), MAX_DURATION);
        Duration w = durationIn("--warmup", warmup, Duration.ZERO, MAX_WARMUP);
        Duration t = durationIn("--timeout", timeout, Duration.ofMillis(1), MAX_TIMEOUT);
        int conns = intIn("--connections", connections, 1, MAX_CONNECTIONS);
        int threadsN = intIn("--threads", threads, 1, MAX_THREADS);
        if (threadsN > conns) {
            throw new UsageException("--threads " + threadsN + " is more than --connections " + conns
                    + " (each thread owns its share of the connections)");
        }
        if (!ceiling && threadsN > rateN) {
            throw new UsageException("--threads " + threadsN + " is more than --rate " + rateN);
        }
        if (!TOKEN.matcher(method).matches()) {
            throw new UsageException("--method: '" + method + "' is not an HTTP method token");
        }
        if (bodySize != null && bodyFile != null) {
            throw new UsageException("give at most one of --body-size and --body-file");
        }
        byte[] body = new byte[0];
        if (bodySize != null) {
            body = new byte[intIn("--body-size", bodySize, 0, MAX_BODY)];
            java.util.Arrays.fill(body, (byte) 'x');
        } else if (bodyFile != null) {
            body = readBody(bodyFile);
        }
        if (body.length > 0 && method.equals("HEAD")) {
            throw new UsageException("--method HEAD cannot carry a body");
        }
        HmacKey key = sign == null ? null : hmacKey(sign);
        Map<String, Integer> weights = mix == null ? Map.of(key == null ? "plain" : "hmac", 1) : mix(mix, key);
        int backlog;
        if (maxBacklog != null) {
            backlog = intIn("--max-backlog", maxBacklog, 1, MAX_BACKLOG);
        } else {
            // Default: one --timeout's worth of the thread's share of the rate (a request that late would have
            // timed out anyway), at least 1,000.
            double perThread = ceiling ? 0 : (double) rateN / threadsN;
            backlog = (int) Math.min(MAX_BACKLOG, Math.max(1_000, perThread * t.toNanos() / 1e9));
        }
        return new LoadGenOptions(uri, address, hostHeader, target, rateN, ceiling, d, w, t, conns, threadsN,
                method, body, List.copyOf(headers), key, weights, Path.of(out), backlog, commandLine(args));
    }

    private static URI uri(String url) throws UsageException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new UsageException("--url: '" + url + "' is not a URL: " + e.getReason());
        }
        if ("https".equalsIgnoreCase(uri.getScheme())) {
            throw new UsageException("--url: https is not supported; the generator speaks plain HTTP/1.1");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new UsageException("--url: '" + url + "' is not an http://host[:port]/path URL");
        }
        if (uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new UsageException("--url: no fragment or user info, please");
        }
        return uri;
    }

    /** Only loopback targets: 127.0.0.1, localhost (taken as 127.0.0.1, never resolved) and ::1. */
    private static InetSocketAddress loopback(URI uri) throws UsageException {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        byte[] ip;
        if (host.equals("127.0.0.1") || host.equals("localhost")) {
            ip = new byte[] {127, 0, 0, 1};
        } else if (host.equals("[::1]") || host.equals("::1") || host.equals("[0:0:0:0:0:0:0:1]")) {
            ip = new byte[16];
            ip[15] = 1;
        } else {
            throw new UsageException("--url: host '" + uri.getHost() + "' refused: the generator only loads "
                    + "loopback targets (127.0.0.1, localhost, [::1])");
        }
        int port = uri.getPort() == -1 ? 80 : uri.getPort();
        try {
            return new InetSocketAddress(InetAddress.getByAddress(host, ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only thrown for a bad address length
        }
    }

    private static Header header(String value) throws UsageException {
        int colon = value.indexOf(':');
        if (colon <= 0 || !TOKEN.matcher(value.substring(0, colon)).matches()) {
            throw new UsageException("--header: '" + value + "' is not 'Name: value'");
        }
        String name = value.substring(0, colon);
        String v = value.substring(colon + 1).strip();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c > 0xff) {
                throw new UsageException("--header " + name + ": the value has a control or non-Latin-1 character");
            }
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.equals("content-length") || lower.equals("transfer-encoding") || lower.equals("host")
                || lower.equals("connection")) {
            throw new UsageException("--header " + name + ": set by the generator (from --url and the body)");
        }
        return new Header(name, v);
    }

    private static HmacKey hmacKey(String sign) throws UsageException {
        String[] parts = sign.split(":", 3);
        if (parts.length != 3 || !parts[0].equals("hmac") || parts[1].isEmpty() || parts[2].isEmpty()) {
            throw new UsageException("--sign: expected hmac:KEY:SECRET");
        }
        if (!parts[1].chars().allMatch(c -> c > ' ' && c < 0x7f && c != '"')) {
            throw new UsageException("--sign: the app key must be printable ASCII without quotes or spaces");
        }
        return new HmacKey(parts[1], parts[2].getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static Map<String, Integer> mix(String mix, HmacKey key) throws UsageException {
        Map<String, Integer> weights = new LinkedHashMap<>();
        for (String part : mix.split(",")) {
            String[] nw = part.strip().split(":", 2);
            String name = nw[0].strip();
            if (!name.equals("plain") && !name.equals("hmac")) {
                throw new UsageException("--mix: unknown request maker '" + name + "' (known: plain, hmac)");
            }
            if (name.equals("hmac") && key == null) {
                throw new UsageException("--mix: hmac needs --sign hmac:KEY:SECRET");
            }
            int weight = nw.length == 1 ? 1 : intIn("--mix " + name, nw[1].strip(), 0, 1000);
            if (weights.put(name, weight) != null) {
                throw new UsageException("--mix: " + name + " given twice");
            }
        }
        if (weights.values().stream().mapToInt(Integer::intValue).sum() == 0) {
            throw new UsageException("--mix: the weights add up to 0");
        }
        return Map.copyOf(weights);
    }

    private static byte[] readBody(String file) throws UsageException {
        Path p = Path.of(file);
        try {
            long size = Files.size(p);
            if (size > MAX_BODY) {
                throw new UsageException("--body-file " + file + ": " + size + " bytes, more than " + MAX_BODY);
            }
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UsageException("--body-file " + file + ": cannot read: " + e);
        }
    }

    private static int intIn(String flag, String value, int min, int max) throws UsageException {
        long v;
        try {
            v = Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException(flag + ": '" + value + "' is not a whole number");
        }
        if (v < min || v > max) {
            throw new UsageException(flag + ": " + value + " is outside " + min + ".." + max);
        }
        return (int) v;
    }

    /** {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1h}; a bare number is seconds. */
    static Duration durationIn(String flag, String value, Duration min, Duration max) throws UsageException {
        Matcher m = DURATION.matcher(value.strip());
        if (!m.matches() || m.group(1).length() > 9) {
            throw new UsageException(flag + ": '" + value + "' is not a duration like 500ms, 10s, 2m");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new UsageException(flag + ": " + value + " is outside " + human(min) + ".." + human(max));
        }
        return d;
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** The command line as given, secrets masked ({@code --sign hmac:KEY:***}). */
    private static String commandLine(String[] args) {
        StringBuilder sb = new StringBuilder("java -jar loadgen.jar");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i > 0 && args[i - 1].equals("--sign")) {
                int second = a.indexOf(':', a.indexOf(':') + 1);
                a = second > 0 ? a.substring(0, second + 1) + "***" : "***";
            }
            sb.append(' ').append(a.isEmpty() || a.matches(".*[\\s'\"$\\\\].*") ? "'" + a.replace("'", "'\\''") + "'"
                    : a);
        }
        return sb.toString();
    }
}
