package dev.gateway.server.http2;

import dev.gateway.core.runtime.Snapshot;
import dev.gateway.server.http1.ProxyState;
import io.netty.channel.Channel;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Who is at the other end of an HTTP/2 connection, worked out once and shared by its streams. */
record Http2Peer(InetAddress address, AsciiString ip, boolean trusted, AsciiString localPort) {

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
        return new Http2Peer(address, ip, trusted, port);
    }
}
