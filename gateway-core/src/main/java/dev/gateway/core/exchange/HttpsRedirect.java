package dev.gateway.core.exchange;

import dev.gateway.core.http.GatewayResponse;
import dev.gateway.core.http.Header;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;

/**
 * {@code server.redirect-to-https} on a cleartext request: GET and HEAD answer 308 to the same target on the TLS
 * listener's port; other methods get none (the exchange answers 403 https_required: a redirect would make the client
 * send its body in clear again).
 */
final class HttpsRedirect {
    private HttpsRedirect() {}

    /** The 308 to {@code https://host[:tlsPort]target}, or null when {@code method} is not redirected. */
    static GatewayResponse to(HttpMethod method, String host, int tlsPort, String target) {
        if (host == null || !(HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method))) {
            return null;
        }
        String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
                : host.lastIndexOf(':') >= 0 ? host.substring(0, host.lastIndexOf(':')) : host;
        String location = "https://" + name + (tlsPort == 443 ? "" : ":" + tlsPort) + target;
        return GatewayResponse.text(HttpResponseStatus.PERMANENT_REDIRECT, List.of(new Header("location", location)),
                "");
    }
}
