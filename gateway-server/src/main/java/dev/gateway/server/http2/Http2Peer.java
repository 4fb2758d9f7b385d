package dev.gateway.server.http2;

import dev.gateway.core.filter.ClientCertificate;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.server.http1.ProxyState;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Who is at the other end of an HTTP/2 connection, worked out once and shared by its streams: address, whether it
 * came over TLS, and the client certificate the TLS listener verified.
 */
record Http2Peer(InetAddress address, AsciiString ip, boolean trusted, AsciiString localPort, boolean secure,
        ClientCertificate clientCertificate) {

    static Http2Peer of(Channel channel, Snapshot snapshot, ProxyState state) {
        InetAddress address = null;
        AsciiString ip = AsciiString.of("unknown");
        boolean trusted = false;
        if (channel.remoteAddress() instanceof InetSocketAddress remote && remote.getAddress() != null) {
            address = remote.getAddress();
            ip = AsciiString.of(address.getHostAddress());
            trusted = snapshot.isTrustedProxy(address.getAddress());
        }
        AsciiString port = channel.localAddress() instanceof InetSocketAddress local ? state.localPort(local.getPort())
                : AsciiString.EMPTY_STRING;
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        return new Http2Peer(address, ip, trusted, port, ssl != null, ssl == null ? null : verified(ssl));
    }

    /** The certificate the client presented and the TLS handler verified (client-auth optional or required). */
    private static ClientCertificate verified(SslHandler ssl) {
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? ClientCertificate.from(x) : null;
        } catch (SSLPeerUnverifiedException e) {
            return null; // none presented
        }
    }
}
