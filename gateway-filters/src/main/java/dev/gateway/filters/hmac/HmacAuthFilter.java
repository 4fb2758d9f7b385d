package dev.gateway.filters.hmac;

import dev.gateway.core.auth.HmacAlgorithm;
import dev.gateway.core.auth.HmacCredentials;
import dev.gateway.core.auth.HmacVerifier;
import dev.gateway.core.auth.ReplayStore;
import dev.gateway.core.auth.SigningString;
import dev.gateway.core.config.App;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.http.GatewayException;
import dev.gateway.core.http.GatewayHeaders;
import dev.gateway.core.metadata.MetadataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Checks the request's HMAC signature (Kong hmac-auth compatible). Headers a client could use to pose as an app
 * ({@code X-App-Key}, {@code X-Consumer-Group}) are always removed first and set only from the verified app.
 * Immutable and shared by all requests of the route.
 */
final class HmacAuthFilter implements GatewayFilter {
    static final AsciiString X_APP_KEY = GatewayHeaders.X_APP_KEY;
    static final AsciiString X_CONSUMER_GROUP = GatewayHeaders.X_CONSUMER_GROUP;
    static final AsciiString X_DATE = AsciiString.cached("x-date");
    static final AsciiString DIGEST = AsciiString.cached("digest");
    /** The longest signing string a signature_mismatch body repeats. */
    static final int MAX_HINT = 2048;

    /** Every way a request can fail here; the code is the JSON {@code error}. */
    enum Failure {
        MISSING_CREDENTIALS(401, "the request carries no HMAC credentials"),
        INVALID_AUTHORIZATION_HEADER(401, "the HMAC authorization header is malformed"),
        UNSUPPORTED_ALGORITHM(401, "the signature algorithm is not accepted on this route"),
        MISSING_DATE(401, "a valid X-Date or Date header is required"),
        CLOCK_SKEW(401, "the request date is outside the allowed clock skew"),
        UNKNOWN_APP(401, "no app with this key"),
        SIGNATURE_MISMATCH(401, "the signature does not match the request"),
        REPLAYED_REQUEST(401, "this signature was already used"),
        REQUIRED_HEADER_NOT_SIGNED(401, "a header this route requires is not among the signed headers"),
        DIGEST_MISMATCH(401, "the Digest header is missing or does not match the body"),
        APP_DISABLED(403, "the app is disabled"),
        /** The shared replay store (Redis) did not answer: fail closed, a replay could pass on another node. */
        REPLAY_CHECK_UNAVAILABLE(503, "the replay check is unavailable; retry with a new signature");

        final HttpResponseStatus status;
        final String code = name().toLowerCase(java.util.Locale.ROOT);
        final String message;

        Failure(int status, String message) {
            this.status = HttpResponseStatus.valueOf(status);
            this.message = message;
        }
    }

    private final HmacAuthConfig config;
    private final MetadataSource apps;
    private final ReplayStore replays;
    private final Clock clock;
    private final long skewSeconds;
    /** A signature older than the skew is refused by the date check anyway: remember each one twice as long. */
    private final Duration replayWindow;
    /** Each failure's refusal, built once (401s carry this route's WWW-Authenticate). */
    private final Map<Failure, CompletionStage<FilterResult>> refusals = new EnumMap<>(Failure.class);
    private final Map<Failure, Counter> failures = new EnumMap<>(Failure.class);
    /** The signature_mismatch error, to which each refusal adds the signing string it compared against. */
    private final GatewayError mismatch;

    /** @param meters where refusals are counted, or null when metrics are off */
    HmacAuthFilter(String routeId, HmacAuthConfig config, MetadataSource apps, ReplayStore replays,
            MeterRegistry meters, Clock clock) {
        this.config = config;
        this.apps = apps;
        this.replays = replays;
        this.clock = clock;
        this.skewSeconds = config.clockSkew().toSeconds();
        this.replayWindow = config.clockSkew().multipliedBy(2);
        String wwwAuthenticate = "hmac realm=\"" + config.realm() + "\"";
        GatewayError mismatchError = null;
        for (Failure f : Failure.values()) {
            GatewayError e = new GatewayError(f.status, f.code, f.message);
            if (f.status.code() == 401) {
                e = e.withHeader("www-authenticate", wwwAuthenticate);
            }
            refusals.put(f, FilterResult.refuse(e));
            if (f == Failure.SIGNATURE_MISMATCH) {
                mismatchError = e;
            }
            if (meters != null) {
                failures.put(f, Counter.builder("gateway.auth.failures")
                        .description("Requests refused by authentication, by reason")
                        .tags("route", routeId, "reason", f.code).register(meters));
            }
        }
        this.mismatch = mismatchError;
    }

    @Override
    public CompletionStage<FilterResult> apply(RequestContext ctx) {
        HttpHeaders h = ctx.headers();
        h.remove(X_APP_KEY);
        h.remove(X_CONSUMER_GROUP);
        App batchApp = ctx.get(StandardAttrs.APP);
        if (batchApp != null && ctx.get(StandardAttrs.BATCH_ITEM) != null) {
            // An in-process item of a batch call: the gateway set its app from the batch request, whose signature
            // (and digest, over the items) this gateway verified. No header can set the flag.
            h.set(X_APP_KEY, batchApp.key());
            if (batchApp.group() != null) {
                h.set(X_CONSUMER_GROUP, batchApp.group());
            }
            return FilterResult.proceed();
        }
        // As Kong: Proxy-Authorization first (the exchange keeps it for filters and never forwards it), then
        // Authorization when the first carries no hmac credentials.
        AsciiString header = HttpHeaderNames.PROXY_AUTHORIZATION;
        String value = h.get(header);
        if (value == null || !isHmac(value)) {
            String a = h.get(HttpHeaderNames.AUTHORIZATION);
            if (a != null && isHmac(a)) {
                header = HttpHeaderNames.AUTHORIZATION;
                value = a;
            }
        }
        if (value == null || !isHmac(value)) {
            return config.anonymous() ? FilterResult.proceed() : fail(ctx, Failure.MISSING_CREDENTIALS);
        }
        HmacCredentials.Parsed parsed = HmacCredentials.parse(value);
        if (parsed.problem() != null) {
            return fail(ctx, parsed.problem() == HmacCredentials.Problem.UNSUPPORTED_ALGORITHM
                    ? Failure.UNSUPPORTED_ALGORITHM : Failure.INVALID_AUTHORIZATION_HEADER);
        }
        HmacCredentials c = parsed.credentials();
        if (config.validateBody() && hasBody(ctx) && !c.headers().contains("digest")) {
            // Unsigned, the digest could be swapped along with the body (Kong does not check this).
            return fail(ctx, Failure.REQUIRED_HEADER_NOT_SIGNED);
        }
        if (c.algorithm() == HmacAlgorithm.HMAC_SHA1 && !config.allowSha1()) {
            return fail(ctx, Failure.UNSUPPORTED_ALGORITHM);
        }
        for (String required : config.requiredHeaders()) {
            if (!c.headers().contains(required)) {
                return fail(ctx, Failure.REQUIRED_HEADER_NOT_SIGNED);
            }
        }
        Failure dateProblem = checkDate(h);
        if (dateProblem != null) {
            return fail(ctx, dateProblem);
        }
        App app = apps.cached(c.username());
        if (app != null) {
            return verify(ctx, c, app, header);
        }
        // A miss may complete on the source's thread: verify on the request's loop, where the context lives. A
        // source that cannot answer (Redis down, and the app never seen) is a 503, never a false unknown_app.
        AsciiString credentialsHeader = header;
        return apps.find(c.username()).exceptionally(HmacAuthFilter::unavailable).thenComposeAsync(found ->
                found == null ? fail(ctx, Failure.UNKNOWN_APP) : verify(ctx, c, found, credentialsHeader),
                ctx.eventLoop());
    }

    private static App unavailable(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        throw t instanceof GatewayException g ? g : new GatewayException(GatewayErrors.METADATA_UNAVAILABLE, t);
    }

    private static boolean hasBody(RequestContext ctx) {
        byte[] body = ctx.body();
        return body != null && body.length > 0;
    }

    /** A body needs a matching SHA-256 digest; a request without one passes unless it sends a Digest anyway. */
    private static boolean digestMatches(RequestContext ctx) {
        String digest = ctx.headers().get(DIGEST);
        byte[] body = ctx.body() == null ? new byte[0] : ctx.body();
        if (digest == null) {
            return body.length == 0;
        }
        String expected = null;
        for (String part : digest.split(",")) {
            String p = part.trim();
            if (p.regionMatches(true, 0, "SHA-256=", 0, 8)) {
                expected = p.substring(8);
            }
        }
        if (expected == null) {
            return false;
        }
        try {
            byte[] given = java.util.Base64.getDecoder().decode(expected);
            byte[] actual = java.security.MessageDigest.getInstance("SHA-256").digest(body);
            return java.security.MessageDigest.isEqual(given, actual);
        } catch (IllegalArgumentException | java.security.NoSuchAlgorithmException e) {
            return false;
        }
    }

    private static boolean isHmac(String v) {
        return v.length() > 5 && v.regionMatches(true, 0, "hmac ", 0, 5);
    }

    /**
     * As Kong: X-Date, or Date when X-Date is absent or not an HTTP date; the skew is checked on the one chosen. A
     * valid but stale X-Date is not rescued by Date (Kong would try Date then too): that would let anyone replay a
     * captured request signed over x-date by adding a fresh, unsigned Date.
     */
    private Failure checkDate(HttpHeaders h) {
        long at = epochSeconds(h.get(X_DATE));
        if (at == Long.MIN_VALUE) {
            at = epochSeconds(h.get(HttpHeaderNames.DATE));
            if (at == Long.MIN_VALUE) {
                return Failure.MISSING_DATE;
            }
        }
        long now = clock.instant().getEpochSecond();
        return Math.abs(now - at) > skewSeconds ? Failure.CLOCK_SKEW : null;
    }

    private static long epochSeconds(String date) {
        return date == null ? Long.MIN_VALUE : HttpDates.parse(date);
    }

    /** @param credentialsHeader the header {@code c} came from: hide-credentials removes it (only it, as Kong) */
    private CompletionStage<FilterResult> verify(RequestContext ctx, HmacCredentials c, App app,
            AsciiString credentialsHeader) {
        HttpHeaders h = ctx.headers();
        String signing = SigningString.build(c.headers(), ctx.method().name(), ctx.rawUri(), ctx.protocolVersion(),
                h::get);
        if (!HmacVerifier.verify(c.algorithm(), app.secrets(), signing, c.signature())) {
            fail(ctx, Failure.SIGNATURE_MISMATCH); // counted
            return FilterResult.refuse(mismatch.withField("signing_string", hint(signing)));
        }
        if (config.validateBody() && !digestMatches(ctx)) {
            return fail(ctx, Failure.DIGEST_MISMATCH);
        }
        // Disabled is told only to a caller who proved it holds the app's secret.
        if (!app.enabled()) {
            return fail(ctx, Failure.APP_DISABLED);
        }
        ctx.set(StandardAttrs.APP, app);
        h.set(X_APP_KEY, app.key());
        if (app.group() != null) {
            h.set(X_CONSUMER_GROUP, app.group());
        }
        if (config.hideCredentials()) {
            // The other header may hold the upstream's own credentials (Authorization when these came by proxy).
            h.remove(credentialsHeader);
        }
        if (!config.replayProtection()) {
            return FilterResult.proceed();
        }
        // The store may answer on another thread: only map its answer here, the context is already set.
        return replays.markUsed(c.username() + ':' + c.signature(), replayWindow)
                .handle((first, error) -> error != null ? fail(ctx, Failure.REPLAY_CHECK_UNAVAILABLE)
                        : first ? FilterResult.proceed() : fail(ctx, Failure.REPLAYED_REQUEST))
                .thenCompose(r -> r);
    }

    /**
     * As AWS does: the string the gateway built from what the client sent (its request line and the values of the
     * headers it named; never a secret), so that a client can diff it against the one it signed. Built only on a
     * mismatch, and cut to {@link #MAX_HINT} characters.
     */
    static String hint(String signing) {
        return signing.length() <= MAX_HINT ? signing : signing.substring(0, MAX_HINT) + "...";
    }

    private CompletionStage<FilterResult> fail(RequestContext ctx, Failure f) {
        Counter counter = failures.get(f);
        if (counter != null) {
            counter.increment();
        }
        return refusals.get(f);
    }
}
