package dev.gateway.core.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Real Redis for tests, from the {@code redis-server}, {@code redis-sentinel} and {@code redis-cli} binaries on the
 * PATH (Debian packages {@code redis-server}, {@code redis-sentinel}; {@code .ci/run} installs them), on ephemeral
 * 127.0.0.1 ports in a temporary directory: a standalone server, a master with a replica and one Sentinel (quorum 1),
 * or a three-master Cluster made by {@code redis-cli --cluster create}. There is no Docker engine on these machines,
 * so there is no Testcontainers path: binaries only.
 *
 * <p>As a JUnit extension ({@code @RegisterExtension static final RealRedis redis = RealRedis.standalone();}) it
 * starts before the class's tests and stops after them; when a binary it needs is not installed it skips the
 * class, saying why, or fails it on CI ({@link Needs}). Outside JUnit: {@link #start()} and {@link #close()}. Every
 * process is killed on close, and by a shutdown hook if the JVM exits first. Readiness is waited for by polling PING
 * (and {@code CLUSTER INFO}, {@code SENTINEL REPLICAS}) with a bound, never by sleeping a guessed time.
 */
public final class RealRedis implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
    public static final String MASTER_NAME = "mymaster";
    /** No persistence; a replica syncs at once (the default waits 5 s for more replicas to share the transfer). */
    private static final String BASE_CONFIG = "save \"\"\nappendonly no\nprotected-mode no\n"
            + "repl-diskless-sync-delay 0\n";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final Set<RedisNode> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(RedisNode::kill), "real-redis-cleanup"));
    }

    /** What to start. */
    public enum Topology { STANDALONE, SENTINEL, CLUSTER }

    private final Topology topology;
    private final String extraConfig;
    private Path root;
    private final List<RedisNode> servers = new ArrayList<>();
    private RedisNode sentinel;

    private RealRedis(Topology topology, String extraConfig) {
        this.topology = topology;
        this.extraConfig = extraConfig;
    }

    /** One server. */
    public static RealRedis standalone() {
        return new RealRedis(Topology.STANDALONE, "");
    }

    /** One server with extra redis.conf lines, e.g. {@code requirepass secret}. */
    public static RealRedis standalone(String extraConfig) {
        return new RealRedis(Topology.STANDALONE, extraConfig.endsWith("\n") ? extraConfig : extraConfig + "\n");
    }

    /** A master, one replica and one Sentinel watching them as {@value #MASTER_NAME} with quorum 1. */
    public static RealRedis sentinel() {
        return new RealRedis(Topology.SENTINEL, "");
    }

    /** Three masters, no replicas, all 16384 slots covered. */
    public static RealRedis cluster() {
        return new RealRedis(Topology.CLUSTER, "");
    }

    /** The binary on the PATH, or null. */
    public static String binary(String name) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(p -> Path.of(p, name)).filter(Files::isExecutable).map(Path::toString).findFirst().orElse(null);
    }

    /** Skips the calling test, or fails it on CI ({@link Needs}), when a binary {@code topology} needs is missing. */
    public static void assumeInstalled(Topology topology) {
        List<String> needed = switch (topology) {
            case STANDALONE -> List.of("redis-server");
            case SENTINEL -> List.of("redis-server", "redis-sentinel");
            case CLUSTER -> List.of("redis-server", "redis-cli");
        };
        List<String> missing = needed.stream().filter(b -> binary(b) == null).toList();
        Needs.require(missing.isEmpty(), () -> String.join(", ", missing)
                + " not installed (Debian packages redis-server, redis-sentinel; .ci/run installs them)");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        assumeInstalled(topology);
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Starts the servers and waits until they are ready; on failure, kills what it started and throws. */
    public RealRedis start() {
        try {
            root = Files.createTempDirectory("real-redis-");
            switch (topology) {
                case STANDALONE -> servers.add(newServer("redis", extraConfig));
                case SENTINEL -> startSentinel();
                case CLUSTER -> startCluster();
            }
            return this;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private void startSentinel() {
        RedisNode master = newServer("master", extraConfig);
        servers.add(master);
        RedisNode replica = newServer("replica", extraConfig + "replicaof 127.0.0.1 " + master.port() + "\n");
        servers.add(replica);
        await("the replica to sync with the master", () -> "up".equals(replica.info("replication",
                "master_link_status")));
        sentinel = newNode(binary("redis-sentinel"), "sentinel", "sentinel monitor " + MASTER_NAME + " 127.0.0.1 "
                + master.port() + " 1\nsentinel down-after-milliseconds " + MASTER_NAME + " 1000\n"
                + "sentinel failover-timeout " + MASTER_NAME + " 5000\n");
        await("the sentinel to see the replica", () -> goodReplicas() > 0);
    }

    @SuppressWarnings("unchecked")
    private long goodReplicas() {
        List<Object> replicas = (List<Object>) sentinel.call("SENTINEL", "REPLICAS", MASTER_NAME);
        return replicas.stream().map(r -> String.valueOf(field((List<Object>) r, "flags")))
                .filter("slave"::equals).count();
    }

    private static Object field(List<Object> flat, String name) {
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            if (name.equals(flat.get(i))) {
                return flat.get(i + 1);
            }
        }
        return null;
    }

    private void startCluster() {
        for (int i = 0; i < 3; i++) {
            int bus = freePort();
            servers.add(newServer("node" + i, extraConfig + "cluster-enabled yes\ncluster-config-file nodes.conf\n"
                    + "cluster-node-timeout 2000\ncluster-port " + bus + "\n"));
        }
        List<String> cmd = new ArrayList<>(List.of(binary("redis-cli"), "--cluster", "create"));
        servers.forEach(s -> cmd.add("127.0.0.1:" + s.port()));
        cmd.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        run(cmd);
        await("every node to report cluster_state:ok with 3 known nodes", () -> servers.stream().allMatch(s ->
                "ok".equals(clusterInfo(s, "cluster_state")) && "3".equals(clusterInfo(s, "cluster_known_nodes"))));
    }

    private static String clusterInfo(RedisNode node, String field) {
        for (String l : String.valueOf(node.call("CLUSTER", "INFO")).split("\r\n")) {
            if (l.startsWith(field + ":")) {
                return l.substring(field.length() + 1).trim();
            }
        }
        return null;
    }

    private void run(List<String> cmd) {
        try {
            Path out = root.resolve("redis-cli.out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " exited with " + p.exitValue() + ":\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private RedisNode newServer(String name, String config) {
        return newNode(binary("redis-server"), name, BASE_CONFIG + config);
    }

    /** A node on a fresh port; a port taken between choosing and binding it is retried with another. */
    private RedisNode newNode(String binary, String name, String config) {
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            RedisNode node = new RedisNode(binary, root.resolve(name + "-" + port), port, config);
            LIVE.add(node);
            try {
                node.start();
                return node;
            } catch (IllegalStateException e) {
                node.kill();
                LIVE.remove(node);
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("in use")) {
                    throw e;
                }
            }
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The server (standalone), the first master (Cluster) or the master as started (Sentinel). */
    public RedisNode server() {
        return servers.get(0);
    }

    /** Every redis-server: [master, replica] for Sentinel, the three masters for Cluster. */
    public List<RedisNode> servers() {
        return List.copyOf(servers);
    }

    /** The Sentinel process (Sentinel topology only). */
    public RedisNode sentinelNode() {
        return sentinel;
    }

    /**
     * The URI for the gateway's {@code redis.uri}: {@code redis://127.0.0.1:port/0}, or
     * {@code redis-sentinel://127.0.0.1:port/0#mymaster}. Cluster has {@link #clusterUris()} instead.
     */
    public String uri() {
        return switch (topology) {
            case STANDALONE -> server().uri();
            case SENTINEL -> "redis-sentinel://127.0.0.1:" + sentinel.port() + "/0#" + MASTER_NAME;
            case CLUSTER -> throw new IllegalStateException("a cluster has seeds: clusterUris()");
        };
    }

    /** The cluster's seed URIs, for {@code redis.cluster}. */
    public List<String> clusterUris() {
        return servers.stream().map(s -> "redis://127.0.0.1:" + s.port()).toList();
    }

    /** The port of the master the Sentinel names now. */
    @SuppressWarnings("unchecked")
    public int sentinelMasterPort() {
        List<Object> addr = (List<Object>) sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        return Integer.parseInt(String.valueOf(addr.get(1)));
    }

    /**
     * Forces a Sentinel failover (SENTINEL FAILOVER, repeated while Sentinel answers NOGOODSLAVE or INPROG, until it
     * names another master) and waits until the new master answers as one. Returns the new master. With the old
     * master still alive, Sentinel demotes it only at its next INFO round (up to 10 s later); kill it first for a
     * crash failover.
     */
    public RedisNode failover() {
        int before = sentinelMasterPort();
        await("the sentinel to name a new master", () -> {
            try {
                sentinel.call("SENTINEL", "FAILOVER", MASTER_NAME);
            } catch (RedisNode.ReplyError e) {
                // NOGOODSLAVE until Sentinel has fresh INFO from the replica; INPROG while one runs
            }
            return sentinelMasterPort() != before;
        });
        RedisNode now = servers.stream().filter(s -> s.port() == sentinelMasterPort()).findFirst().orElseThrow();
        await("the new master to take writes", () -> "master".equals(now.info("replication", "role")));
        return now;
    }

    /** Polls {@code condition} every 20 ms until it holds; throws after {@value #READY_TIMEOUT}-ish bound. */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            boolean ok;
            try {
                ok = condition.getAsBoolean();
            } catch (RuntimeException e) {
                ok = false;
            }
            if (ok) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + READY_TIMEOUT + " waiting for " + what);
            }
            pause();
        }
    }

    /** The polling interval. */
    static void pause() {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }

    /** Kills every process and deletes the directory. */
    @Override
    public void close() {
        List<RedisNode> all = new ArrayList<>(servers);
        if (sentinel != null) {
            all.add(sentinel);
        }
        for (RedisNode n : all) {
            n.kill();
            LIVE.remove(n);
        }
        servers.clear();
        sentinel = null;
        if (root != null) {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // a temp directory left behind is harmless
            }
            root = null;
        }
    }
}
