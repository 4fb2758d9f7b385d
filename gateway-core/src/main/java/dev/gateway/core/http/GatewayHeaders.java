package dev.gateway.core.http;

import io.netty.util.AsciiString;

/** Header names the gateway reads or writes, as {@link AsciiString} constants (cheap to hash and compare). */
public final class GatewayHeaders {
    private GatewayHeaders() {}

    public static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    public static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    public static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    public static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    public static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
    /** Set only by hmac-auth from the verified app; removed from every incoming request. */
    public static final AsciiString X_APP_KEY = AsciiString.cached("x-app-key");
    public static final AsciiString X_CONSUMER_GROUP = AsciiString.cached("x-consumer-group");
    public static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    public static final AsciiString PROXY_AUTHENTICATE = AsciiString.cached("proxy-authenticate");
    public static final AsciiString PROXY_AUTHORIZATION = AsciiString.cached("proxy-authorization");
    public static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    public static final AsciiString TE = AsciiString.cached("te");
    public static final AsciiString TRAILER = AsciiString.cached("trailer");
    public static final AsciiString HTTP = AsciiString.cached("http");
    public static final AsciiString HTTPS = AsciiString.cached("https");
    /** Envoy's header of the client certificate's details; only the gateway sets it (server.tls.forward-client-cert). */
    public static final AsciiString X_FORWARDED_CLIENT_CERT = AsciiString.cached("x-forwarded-client-cert");
    public static final AsciiString APPLICATION_JSON = AsciiString.cached("application/json");
}
