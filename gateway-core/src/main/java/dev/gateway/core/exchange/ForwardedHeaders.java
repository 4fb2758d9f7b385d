package dev.gateway.core.exchange;

import dev.gateway.core.config.TlsConfig;
import dev.gateway.core.filter.ClientCertificate;
import dev.gateway.core.http.GatewayHeaders;
import dev.gateway.core.http.HopByHop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.function.Predicate;

/** Turns the client's request head into the one sent upstream. */
final class ForwardedHeaders {
    private ForwardedHeaders() {}

    /**
     * Removes hop-by-hop headers and the identity headers only the gateway may set, re-establishes chunked framing
     * for the upstream hop, and sets X-Forwarded-For/-Proto/-Host/-Port: a trusted proxy's values are extended,
     * anyone else's are replaced. Proxy-Authorization stays for the filters; {@link #afterFilters} removes it.
     */
    static void prepare(HttpRequest request, String host, boolean chunked, Downstream client,
            TlsConfig.ForwardClientCert xfcc) {
        HttpHeaders h = request.headers();
        clientCert(h, client.clientCertificate(), xfcc);
        HopByHop.stripKeepingProxyAuthorization(h);
        // Identity headers come only from the gateway (hmac-auth sets them after verifying), on every route.
        h.remove(GatewayHeaders.X_APP_KEY);
        h.remove(GatewayHeaders.X_CONSUMER_GROUP);
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (chunked) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        boolean trusted = client.isPeerTrusted();
        String xff = trusted ? h.get(GatewayHeaders.X_FORWARDED_FOR) : null;
        h.set(GatewayHeaders.X_FORWARDED_FOR, xff == null ? client.clientIp() : xff + ", " + client.clientIp());
        if (!trusted || !h.contains(GatewayHeaders.X_FORWARDED_PROTO)) {
            h.set(GatewayHeaders.X_FORWARDED_PROTO, client.isSecure() ? GatewayHeaders.HTTPS : GatewayHeaders.HTTP);
        }
        if (!trusted || !h.contains(GatewayHeaders.X_FORWARDED_HOST)) {
            if (host != null) {
                h.set(GatewayHeaders.X_FORWARDED_HOST, host);
            } else {
                h.remove(GatewayHeaders.X_FORWARDED_HOST);
            }
        }
        if (!trusted || !h.contains(GatewayHeaders.X_FORWARDED_PORT)) {
            h.set(GatewayHeaders.X_FORWARDED_PORT, client.localPort());
        }
    }

    /**
     * X-Forwarded-Client-Cert as {@code mode} says (Envoy's forward_client_cert_details): without a verified client
     * certificate, or with {@code sanitize}, the client's header is removed; {@code forward} keeps it,
     * {@code append-forward} appends this connection's certificate, {@code sanitize-set} replaces it by that.
     */
    static void clientCert(HttpHeaders h, ClientCertificate cert, TlsConfig.ForwardClientCert mode) {
        if (cert == null || mode == null || mode == TlsConfig.ForwardClientCert.SANITIZE) {
            h.remove(GatewayHeaders.X_FORWARDED_CLIENT_CERT);
            return;
        }
        switch (mode) {
            case FORWARD -> { }
            case APPEND_FORWARD -> {
                String prev = h.get(GatewayHeaders.X_FORWARDED_CLIENT_CERT);
                h.set(GatewayHeaders.X_FORWARDED_CLIENT_CERT,
                        prev == null || prev.isBlank() ? cert.xfccElement() : prev + "," + cert.xfccElement());
            }
            default -> h.set(GatewayHeaders.X_FORWARDED_CLIENT_CERT, cert.xfccElement());
        }
    }

    /**
     * The filters let the request through: removes what only they may read. Proxy-Authorization is hop-by-hop, but
     * hmac-auth reads credentials from it (as Kong does), so it is kept until here and never reaches the upstream.
     */
    static void afterFilters(HttpHeaders h) {
        h.remove(GatewayHeaders.PROXY_AUTHORIZATION);
    }

    /**
     * The address a request is attributed to: the socket {@code peer}, or, when the peer is a trusted proxy, the
     * rightmost X-Forwarded-For entry that is not itself a trusted proxy (walking from the peer towards the client, as
     * nginx's real_ip_recursive does). Entries left of the first untrusted one are the client's to invent and are
     * never looked at. An entry that is not an IP literal ends the walk at the last address known. Called after
     * {@link #prepare}, which appended the peer itself. Parses only the entries it walks, and only for requests that
     * came through a trusted proxy; never a DNS lookup.
     */
    static InetAddress client(HttpHeaders h, InetAddress peer, boolean peerTrusted, Predicate<byte[]> trusted) {
        if (!peerTrusted || peer == null) {
            return peer;
        }
        String xff = h.get(GatewayHeaders.X_FORWARDED_FOR);
        if (xff == null) {
            return peer;
        }
        InetAddress last = peer;
        int end = xff.length();
        while (end > 0) {
            int comma = xff.lastIndexOf(',', end - 1);
            String entry = xff.substring(comma + 1, end).trim();
            end = comma < 0 ? 0 : comma;
            byte[] bytes = NetUtil.createByteArrayFromIpAddressString(entry);
            if (bytes == null) {
                return last;
            }
            InetAddress a;
            try {
                a = InetAddress.getByAddress(bytes); // bytes: no lookup
            } catch (UnknownHostException e) {
                return last;
            }
            if (!trusted.test(bytes)) {
                return a;
            }
            last = a;
        }
        return last;
    }
}
