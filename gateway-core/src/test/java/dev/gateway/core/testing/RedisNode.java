package dev.gateway.core.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code redis-server} (or {@code redis-sentinel}) process on 127.0.0.1, started from a config file in its own
 * directory. It can be killed with SIGKILL and started again on the same port, for fault tests. {@link #call} speaks
 * RESP over a fresh socket, so tests can drive the server (CLIENT PAUSE, SENTINEL FAILOVER, CLUSTER INFO) without a
 * client library between them and it.
 */
public final class RedisNode implements AutoCloseable {
    /** The longest a server may take to answer PING after it was started. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final String binary;
    private final Path dir;
    private final Path conf;
    private final int port;
    /** {@code requirepass} of the config, sent with AUTH before each command; null when none. */
    private final String password;
    private volatile Process process;

    RedisNode(String binary, Path dir, int port, String config) {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
        this.conf = dir.resolve(binary.endsWith("sentinel") ? "sentinel.conf" : "redis.conf");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^requirepass (\\S+)$").matcher(config);
        this.password = m.find() ? m.group(1) : null;
        try {
            Files.createDirectories(dir);
            Files.writeString(conf, "port " + port + "\nbind 127.0.0.1\ndir " + dir + "\nlogfile " + dir.resolve("log")
                    + "\n" + config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:port/0}. */
    public String uri() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    /** Starts the process (same port, same directory, same config) and waits until it answers PING. */
    public synchronized void start() {
        if (isAlive()) {
            throw new IllegalStateException("redis on port " + port + " is already running");
        }
        try {
            process = new ProcessBuilder(binary, conf.toString()).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("stdout").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!ping()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(binary + " on port " + port + " exited with " + process.exitValue()
                        + ": " + log());
            }
            if (System.nanoTime() > deadline) {
                kill();
                throw new IllegalStateException(binary + " on port " + port + " did not answer PING within "
                        + START_TIMEOUT + ": " + log());
            }
            RealRedis.pause();
        }
    }

    /** SIGKILL, and waits until the process is gone (its port is closed). */
    public synchronized void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis on port " + port + " survived SIGKILL for 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the server and starts it again on the same port. */
    public void restart() {
        kill();
        start();
    }

    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** True if the server answers PING within a second. */
    public boolean ping() {
        try {
            return "PONG".equals(call(Duration.ofSeconds(1), "PING"));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** A command over a new connection, with a 5 s read timeout. */
    public Object call(String... args) {
        return call(Duration.ofSeconds(5), args);
    }

    /**
     * Sends one command and reads its reply: a String (simple or bulk), a Long, a List, or null. An error reply
     * throws {@link ReplyError}; a connection failure throws {@link UncheckedIOException}.
     */
    public Object call(Duration timeout, String... args) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            OutputStream out = s.getOutputStream();
            BufferedInputStream in = new BufferedInputStream(s.getInputStream());
            if (password != null) {
                out.write(request("AUTH", password));
                read(in);
            }
            out.write(request(args));
            out.flush();
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("redis on port " + port + ": " + e.getMessage(), e);
        }
    }

    private static byte[] request(String... args) {
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        req.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        for (String a : args) {
            byte[] b = a.getBytes(StandardCharsets.UTF_8);
            req.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            req.writeBytes(b);
            req.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        return req.toByteArray();
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new ReplyError(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                byte[] b = in.readNBytes(n + 2);
                return new String(b, 0, n, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    items.add(read(in));
                }
                return items;
            }
            default:
                throw new IOException("unexpected RESP type '" + (char) type + "'");
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\r'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed mid-reply");
            }
            b.append((char) c);
        }
        in.read(); // '\n'
        return b.toString();
    }

    /** A field of {@code INFO section} ({@code role}, {@code connected_slaves}...), or null. */
    public String info(String section, String field) {
        Object info = call("INFO", section);
        for (String l : String.valueOf(info).split("\r\n")) {
            if (l.startsWith(field + ":")) {
                return l.substring(field.length() + 1).trim();
            }
        }
        return null;
    }

    /**
     * How many times the server ran {@code command} (lower case, e.g. {@code get}) since it started or its statistics
     * were last reset ({@code INFO commandstats}, {@code cmdstat_<command>:calls=N,...}); 0 if never.
     */
    public long commandCalls(String command) {
        String stats = info("commandstats", "cmdstat_" + command);
        return stats == null ? 0 : Long.parseLong(stats.substring("calls=".length(), stats.indexOf(',')));
    }

    /** The server's log so far (for failure messages). */
    public String log() {
        try {
            Path log = dir.resolve("log");
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return "(cannot read log: " + e + ")";
        }
    }

    @Override
    public void close() {
        kill();
    }

    /** An error reply ({@code -ERR ...}). */
    public static final class ReplyError extends RuntimeException {
        ReplyError(String message) {
            super(message);
        }
    }
}
