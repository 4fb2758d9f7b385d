package dev.gateway.core.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Reads the main file's settings sections: server, admin, access-log, metrics, tracing, reload, demo-echo, redis. */
final class SettingsReader {
    private SettingsReader() {}

    static ServerConfig readServer(Section s) {
        Problems p = s.problems();
        HostPort listen = s.listen("listen", new HostPort("0.0.0.0", 8080));
        int ioThreads = s.integer("io-threads", 0, 0, 1024);
        ServerConfig.Transport transport = s.enumValue("transport", ServerConfig.Transport.class,
                ServerConfig.Transport.AUTO);
        int maxConnections = s.integer("max-connections", 10_000, 1, 1_000_000);
        int line = (int) s.size("max-request-line", 8192, 64, 1 << 20);
        int header = (int) s.size("max-header-size", 16384, 256, 1 << 20);
        long body = s.size("max-body-size", 10L << 20, 0, Long.MAX_VALUE / 2);
        Duration idle = s.positiveDuration("idle-timeout", Duration.ofSeconds(60));
        Duration headerRead = s.positiveDuration("header-read-timeout", Duration.ofSeconds(10));
        Duration write = s.positiveDuration("write-timeout", Duration.ofSeconds(60));
        Duration drainDelay = s.duration("drain-delay", Duration.ofSeconds(5));
        Duration drain = s.duration("drain-timeout", Duration.ofSeconds(30));
        int pipelined = s.integer("max-pipelined-requests", 16, 1, 1024);
        List<Cidr> trusted = s.scalars("trusted-proxies", n -> {
            Cidr c = Cidr.parse(n.value());
            if (c == null) {
                p.add(n, "expected an IP address or CIDR such as 10.0.0.0/8, found '" + n.value() + "'");
            }
            return c;
        });
        // Blank (${GATEWAY_PID_FILE:} with the variable unset) means no pid file, as absent does.
        String pid = s.string("pid-file", null);
        Path pidFile = null;
        if (pid != null && !pid.isBlank()) {
            try {
                pidFile = Path.of(pid.trim());
            } catch (InvalidPathException e) {
                p.add(s.raw("pid-file"), "invalid file name '" + pid + "': " + e.getReason());
            }
        }
        s.finish();
        return new ServerConfig(listen, ioThreads, transport, maxConnections, line, header, body, idle, headerRead,
                write, drainDelay, drain, pipelined, trusted, pidFile);
    }

    static AdminConfig readAdmin(Section s) {
        boolean enabled = s.bool("enabled", true);
        HostPort listen = s.listen("listen", new HostPort("127.0.0.1", 9090));
        String token = s.string("token", null);
        if (token != null && token.isBlank()) {
            token = null; // e.g. ${ADMIN_TOKEN:} with the variable unset: no token configured
        } else if (token != null && token.length() < 16) {
            s.problems().add(s.raw("token"), "an admin token needs at least 16 characters");
        }
        s.finish();
        return new AdminConfig(enabled, listen, token);
    }

    static AccessLogConfig readAccessLog(Section s) {
        AccessLogConfig d = AccessLogConfig.defaults();
        boolean enabled = s.bool("enabled", d.enabled());
        AccessLogConfig.Format format = s.enumValue("format", AccessLogConfig.Format.class, d.format());
        AccessLogConfig.Output output = s.enumValue("output", AccessLogConfig.Output.class, d.output());
        String file = s.string("file", d.file());
        long maxSize = s.size("max-file-size", d.maxFileSize(), 1 << 20, 1L << 40);
        int history = s.integer("max-history", d.maxHistory(), 1, 3650);
        s.finish();
        return new AccessLogConfig(enabled, format, output, file, maxSize, history);
    }

    static MetricsConfig readMetrics(Section s) {
        boolean enabled = s.bool("enabled", true);
        s.finish();
        return new MetricsConfig(enabled);
    }

    static TracingConfig readTracing(Section s) {
        boolean start = s.bool("start-traceparent", true);
        boolean sampled = s.bool("sampled", false);
        s.finish();
        return new TracingConfig(start, sampled);
    }

    static ReloadConfig readReload(Section s) {
        ReloadConfig d = ReloadConfig.defaults();
        boolean watch = s.bool("watch", d.watch());
        Duration poll = s.positiveDuration("poll-interval", d.pollInterval());
        Duration debounce = s.duration("debounce", d.debounce());
        s.finish();
        return new ReloadConfig(watch, poll, debounce);
    }

    static DemoEchoConfig readDemo(Section s) {
        boolean enabled = s.bool("enabled", false);
        HostPort listen = s.listen("listen", new HostPort("127.0.0.1", 9091));
        s.finish();
        return new DemoEchoConfig(enabled, listen);
    }

    /** The {@code redis:} section; {@code s} is present (an absent or empty section means no Redis). */
    static MetadataConfig readMetadata(Section s, boolean hasRedis) {
        MetadataConfig d = MetadataConfig.defaults();
        MetadataConfig.Source source = s.enumValue("source", MetadataConfig.Source.class, d.source());
        if (source == MetadataConfig.Source.REDIS && !hasRedis) {
            s.problems().add(s.raw("source"), "source: redis needs a redis: section (redis.uri or redis.cluster)");
        }
        Section c = s.section("cache");
        MetadataConfig.Cache cd = d.cache();
        MetadataConfig.Cache cache = new MetadataConfig.Cache(c.size("max-size", cd.maxSize(), 1, 100_000_000),
                c.positiveDuration("refresh-after", cd.refreshAfter()),
                c.positiveDuration("expire-after", cd.expireAfter()),
                c.positiveDuration("negative-ttl", cd.negativeTtl()),
                c.duration("stale-if-error", cd.staleIfError()));
        if (cache.refreshAfter().compareTo(cache.expireAfter()) >= 0) {
            s.problems().add(c.raw("refresh-after"), "refresh-after (" + cache.refreshAfter()
                    + ") must be shorter than expire-after (" + cache.expireAfter() + ")");
        }
        c.finish();
        Section b = s.section("bloom");
        MetadataConfig.Bloom bd = d.bloom();
        long expected = b.size("expected-keys", bd.expectedKeys(), 1, 1_000_000_000);
        double fpp = bd.fpp();
        ConfigNode fppNode = b.raw("fpp");
        if (fppNode instanceof ConfigNode.ScalarNode sn && sn.value() != null) {
            try {
                fpp = Double.parseDouble(sn.value().trim());
            } catch (NumberFormatException e) {
                fpp = -1;
            }
            if (!(fpp > 0 && fpp < 0.5)) {
                s.problems().add(fppNode, "expected a false-positive probability between 0 and 0.5 such as 0.001, "
                        + "found '" + sn.value() + "'");
                fpp = bd.fpp();
            }
        }
        Duration rebuild = b.positiveDuration("rebuild-interval", bd.rebuildInterval());
        b.finish();
        s.finish();
        return new MetadataConfig(source, cache, new MetadataConfig.Bloom(expected, fpp, rebuild));
    }

    static RedisConfig readRedis(Section s) {
        Problems p = s.problems();
        ConfigNode uriNode = s.raw("uri");
        List<ConfigNode> seeds = s.list("cluster");
        String uri = null;
        boolean hasUri = uriNode instanceof ConfigNode.ScalarNode sn && sn.value() != null && !sn.value().isBlank();
        if (hasUri && !seeds.isEmpty()) {
            p.add(uriNode, "use uri or cluster, not both (cluster at " + s.raw("cluster").location() + ")");
        } else if (uriNode instanceof ConfigNode.ScalarNode || uriNode == null) {
            if (!hasUri && seeds.isEmpty()) {
                p.add(uriNode == null ? s.node().location() : uriNode.location(), s.child("uri"),
                        "a Redis uri (or a cluster seed list) is required; remove the redis section for no Redis");
            }
        } else {
            p.add(uriNode, "expected a Redis URI such as redis://127.0.0.1:6379/0, found " + uriNode.kind());
        }
        if (hasUri && seeds.isEmpty() && RedisUris.parse((ConfigNode.ScalarNode) uriNode, p, false) != null) {
            uri = ((ConfigNode.ScalarNode) uriNode).value().trim();
        }
        List<String> cluster = new java.util.ArrayList<>();
        for (ConfigNode seed : seeds) {
            if (seed instanceof ConfigNode.ScalarNode sn && sn.value() != null) {
                if (RedisUris.parse(sn, p, true) != null) {
                    cluster.add(sn.value().trim());
                }
            } else {
                p.add(seed, "expected a Redis URI such as redis://10.0.0.1:7000, found " + seed.kind());
            }
        }
        Duration commandTimeout = s.positiveDuration("command-timeout", Duration.ofMillis(250));
        Duration connectTimeout = s.positiveDuration("connect-timeout", Duration.ofSeconds(2));
        String prefix = s.string("key-prefix", "gw:");
        if (prefix.length() > 64 || prefix.chars().anyMatch(c -> c == '{' || c == '}' || Character.isWhitespace(c)
                || Character.isISOControl(c))) {
            p.add(s.raw("key-prefix"), "a key prefix is at most 64 characters with no '{', '}' or whitespace "
                    + "(a hash tag in it would put every key in one cluster slot), found '" + prefix + "'");
        }
        RedisConfig.Readiness readiness = s.enumValue("readiness", RedisConfig.Readiness.class,
                RedisConfig.Readiness.DEGRADED);
        s.finish();
        return new RedisConfig(uri, cluster, commandTimeout, connectTimeout, prefix, readiness);
    }
}
