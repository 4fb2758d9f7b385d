package dev.gateway.core.exchange;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;

/**
 * Recognises a WebSocket handshake (RFC 6455 4.1) and puts its Upgrade headers back after the hop-by-hop ones were
 * removed. Asked only on routes with {@code websocket: true}, so the plain request path never looks at them.
 */
final class WebSocketHandshake {
    private WebSocketHandshake() {}

    private static final AsciiString WEBSOCKET = AsciiString.cached("websocket");

    /**
     * The client's Upgrade value if {@code request} is a WebSocket handshake: GET, HTTP/1.1, no body, a Connection
     * header with the {@code upgrade} token and an Upgrade header naming {@code websocket} (case-insensitively);
     * else null.
     */
    static String upgrade(HttpRequest request, boolean hasBody) {
        if (request.method() != HttpMethod.GET || hasBody || request.protocolVersion().minorVersion() != 1) {
            return null;
        }
        HttpHeaders h = request.headers();
        String upgrade = h.get(HttpHeaderNames.UPGRADE);
        if (upgrade == null || !hasToken(upgrade, WEBSOCKET)
                || !h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            return null;
        }
        return upgrade;
    }

    /** Sets {@code Upgrade: <upgrade>} and {@code Connection: upgrade} on the request going upstream. */
    static void forward(HttpHeaders h, String upgrade) {
        h.set(HttpHeaderNames.UPGRADE, upgrade);
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    }

    /** True if the comma-separated {@code list} holds {@code token} (ignoring case; a protocol may carry "/version"). */
    static boolean hasToken(String list, AsciiString token) {
        int n = list.length();
        int start = 0;
        while (start < n) {
            int comma = list.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            int s = start;
            int e = end;
            while (s < e && (list.charAt(s) == ' ' || list.charAt(s) == '\t')) {
                s++;
            }
            while (e > s && (list.charAt(e - 1) == ' ' || list.charAt(e - 1) == '\t')) {
                e--;
            }
            int slash = list.indexOf('/', s);
            if (slash >= 0 && slash < e) {
                e = slash;
            }
            if (e - s == token.length() && token.contentEqualsIgnoreCase(list.subSequence(s, e))) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }
}
