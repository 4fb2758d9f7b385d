package dev.gateway.loadtest.loadgen;

import dev.gateway.core.auth.HmacAlgorithm;
import dev.gateway.core.auth.HmacVerifier;
import dev.gateway.core.auth.SigningString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A request signed as the gateway's hmac-auth (Kong's scheme) expects, fresh for every request: {@code X-Date} is
 * the current second, and {@code X-Nonce} (unique per run, thread and request) is signed too, so no two requests
 * carry the same signature and a route with {@code replay-protection: true}, which keys on the signature, accepts
 * all of them. Signed names: {@code x-date x-nonce request-line}, plus {@code digest} (SHA-256 of the body) when
 * there is a body. The signing string is built by the gateway's own {@link SigningString}.
 */
final class HmacRequest implements RequestMaker {
    static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private final String keyId;
    private final byte[] secret;
    private final String method;
    private final String target;
    private final byte[] head;
    private final byte[] tail;
    private final List<String> signed;
    private final String digest;
    private final String authPrefix;
    private final String noncePrefix;
    private long counter;
    private long dateSecond = Long.MIN_VALUE;
    private String date;

    /** @param noncePrefix unique to this run and thread (the run id and thread index) */
    HmacRequest(LoadGenOptions o, String noncePrefix) {
        this.keyId = o.sign().key();
        this.secret = o.sign().secret();
        this.method = o.method();
        this.target = o.target();
        this.noncePrefix = noncePrefix;
        StringBuilder sb = RequestHead.head(o);
        if (o.body().length > 0) {
            digest = "SHA-256=" + Base64.getEncoder().encodeToString(sha256(o.body()));
            sb.append("Digest: ").append(digest).append("\r\n");
            signed = List.of("x-date", "x-nonce", "digest", "request-line");
        } else {
            digest = null;
            signed = List.of("x-date", "x-nonce", "request-line");
        }
        head = RequestHead.latin1(sb);
        byte[] body = o.body();
        tail = new byte[2 + body.length];
        tail[0] = '\r';
        tail[1] = '\n';
        System.arraycopy(body, 0, tail, 2, body.length);
        authPrefix = "hmac username=\"" + keyId + "\", algorithm=\"" + HmacAlgorithm.HMAC_SHA256.wireName()
                + "\", headers=\"" + String.join(" ", signed) + "\", signature=\"";
    }

    @Override
    public ByteBuf next(ByteBufAllocator alloc, long wallMillis) {
        long second = Math.floorDiv(wallMillis, 1000);
        if (second != dateSecond) {
            dateSecond = second;
            date = HTTP_DATE.format(Instant.ofEpochSecond(second));
        }
        String nonce = noncePrefix + Long.toHexString(counter++);
        String signing = SigningString.build(signed, method, target, "HTTP/1.1", name -> switch (name) {
            case "x-date" -> date;
            case "x-nonce" -> nonce;
            case "digest" -> digest;
            default -> null;
        });
        String signature = HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, secret, signing);
        ByteBuf buf = alloc.ioBuffer(head.length + 256 + authPrefix.length() + tail.length);
        buf.writeBytes(head);
        buf.writeCharSequence("X-Date: ", StandardCharsets.US_ASCII);
        buf.writeCharSequence(date, StandardCharsets.US_ASCII);
        buf.writeCharSequence("\r\nX-Nonce: ", StandardCharsets.US_ASCII);
        buf.writeCharSequence(nonce, StandardCharsets.US_ASCII);
        buf.writeCharSequence("\r\nAuthorization: ", StandardCharsets.US_ASCII);
        buf.writeCharSequence(authPrefix, StandardCharsets.US_ASCII);
        buf.writeCharSequence(signature, StandardCharsets.US_ASCII);
        buf.writeCharSequence("\"\r\n", StandardCharsets.US_ASCII);
        buf.writeBytes(tail);
        return buf;
    }

    @Override
    public void release() {
        // Holds no buffers.
    }

    private static byte[] sha256(byte[] body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every Java platform", e);
        }
    }
}
