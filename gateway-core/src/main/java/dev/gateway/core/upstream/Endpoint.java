package dev.gateway.core.upstream;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One backend address as the upstream client knows it across configurations: the connection pools of every event
 * loop to it and its count of requests in flight. Compiled {@link Target}s of successive configurations that name the
 * same address share one endpoint, so a reload keeps its warm connections and its balancing state. Thread-safe.
 *
 * <p>An endpoint that no configuration names any more is retired: its pools take no new idle connections and close
 * each connection once its last request is done.
 */
public final class Endpoint {

    /**
     * What identifies an endpoint: scheme, the host as configured, port, the address it resolved to, the protocol
     * spoken to it and, for {@code https}, the TLS settings (with a digest of the files they name, so that a changed
     * CA or client certificate makes a new endpoint with fresh connections).
     */
    public record Key(String scheme, String host, int port, InetSocketAddress address, Protocol protocol,
            TlsKey tls) {
        /** A cleartext HTTP/1.1 endpoint. */
        public Key(String scheme, String host, int port, InetSocketAddress address) {
            this(scheme, host, port, address, Protocol.HTTP1, null);
        }
    }

    /** The protocol spoken on an endpoint's connections. */
    public enum Protocol {
        /** HTTP/1.1, one request at a time per connection. */
        HTTP1,
        /** HTTP/2 over TLS, negotiated by ALPN. */
        H2,
        /** HTTP/2 over cleartext by prior knowledge. */
        H2C;

        public boolean isH2() {
            return this != HTTP1;
        }
    }

    /**
     * The TLS settings of an https endpoint as they take part in its identity: the SNI name (null: the target host),
     * whether the certificate is verified, and a digest of the CA, client certificate and key files' contents.
     */
    public record TlsKey(String sni, boolean verify, String materialDigest) {}

    private final Key key;
    private final UpstreamTls tls;
    private final AtomicInteger outstanding = new AtomicInteger();
    /** The pools of the event loops, by loop index; each slot is written only by its loop. */
    private final AtomicReferenceArray<ConnectionPool> pools;
    private volatile boolean retired;

    Endpoint(Key key, int loops) {
        this(key, loops, null);
    }

    Endpoint(Key key, int loops, UpstreamTls tls) {
        if ((key.tls() == null) != (tls == null)) {
            throw new IllegalArgumentException("an https endpoint needs its TLS context, and only it: " + key);
        }
        this.key = key;
        this.tls = tls;
        this.pools = new AtomicReferenceArray<>(loops);
    }

    public Key key() {
        return key;
    }

    /** Its TLS client context, or null for a cleartext endpoint. */
    public UpstreamTls tls() {
        return tls;
    }

    public Protocol protocol() {
        return key.protocol();
    }

    public InetSocketAddress address() {
        return key.address();
    }

    /** Requests sent to this address (any loop, any configuration) that have not finished yet. */
    public int outstanding() {
        return outstanding.get();
    }

    void incrementOutstanding() {
        outstanding.incrementAndGet();
    }

    void decrementOutstanding() {
        outstanding.decrementAndGet();
    }

    /** True once no configuration names this endpoint: its connections close when their requests are done. */
    public boolean isRetired() {
        return retired;
    }

    void retire() {
        retired = true;
    }

    ConnectionPool pool(int loopIndex) {
        if (loopIndex >= pools.length()) {
            throw new IllegalStateException("upstream client used from more threads than its " + pools.length()
                    + " event loops");
        }
        return pools.get(loopIndex);
    }

    void pool(int loopIndex, ConnectionPool pool) {
        pools.set(loopIndex, pool);
    }

    /** The pools made so far (one per event loop that used this endpoint). Read across threads: a snapshot. */
    public void forEachPool(java.util.function.Consumer<ConnectionPool> action) {
        for (int i = 0; i < pools.length(); i++) {
            ConnectionPool p = pools.get(i);
            if (p != null) {
                action.accept(p);
            }
        }
    }

    @Override
    public String toString() {
        return key.scheme() + "://" + key.host() + ":" + key.port() + " (" + key.address().getAddress().getHostAddress()
                + ")";
    }
}
