package dev.gateway.loadtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What idle keep-alive connections cost a proxy in resident memory: warms the proxy up, measures its RSS, opens
 * {@code N} connections that each carry one request and then stay open and idle, and measures again.
 *
 * <pre>
 * java -cp loadtest/target/benchmarks.jar dev.gateway.loadtest.IdleConnections HOST PORT N PID [--jvm] [--path /echo]
 * </pre>
 *
 * {@code PID} is the proxy's process (RSS from /proc/PID/status, summed over its children). With {@code --jvm} the
 * proxy is a JVM: {@code jcmd PID GC.run} runs before each reading, so garbage does not count as cost. Needs a file
 * descriptor limit above N in both processes ({@code ulimit -n}). Loopback only.
 */
public final class IdleConnections {
    private IdleConnections() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: IdleConnections HOST PORT N PID [--jvm] [--path /echo]");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int n = Integer.parseInt(args[2]);
        long pid = Long.parseLong(args[3]);
        boolean jvm = false;
        String path = "/echo";
        for (int i = 4; i < args.length; i++) {
            if (args[i].equals("--jvm")) {
                jvm = true;
            } else if (args[i].equals("--path")) {
                path = args[++i];
            }
        }
        if (!host.equals("127.0.0.1") && !host.equals("localhost")) {
            throw new IllegalArgumentException("loopback only");
        }
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: idle\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

        // Warm-up: enough requests for the JIT and for the heap's young generation to have been used once.
        List<Socket> warm = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            warm.add(connect(host, port));
        }
        for (int r = 0; r < 2_000; r++) {
            for (Socket s : warm) {
                exchange(s, request);
            }
        }
        for (Socket s : warm) {
            s.close();
        }
        TimeUnit.SECONDS.sleep(2);
        long before = rss(pid, jvm);

        List<Socket> idle = new ArrayList<>(n);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Socket s = connect(host, port);
            exchange(s, request);
            idle.add(s);
        }
        long openMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        TimeUnit.SECONDS.sleep(2);
        long after = rss(pid, jvm);
        int stillOpen = 0;
        for (Socket s : idle) {
            if (!s.isClosed() && s.getInputStream().available() == 0) {
                stillOpen++;
            }
        }
        System.out.printf("connections=%d opened_in_ms=%d rss_before_kb=%d rss_after_kb=%d added_mb=%.1f "
                + "per_connection_kb=%.2f%n", n, openMillis, before, after, (after - before) / 1024.0,
                (after - before) / (double) n);
        System.out.printf("still_open=%d%n", stillOpen);
        for (Socket s : idle) {
            s.close();
        }
    }

    private static Socket connect(String host, int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 5_000);
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        return s;
    }

    /** Sends one request and reads its response (Content-Length or chunked body). */
    private static void exchange(Socket s, byte[] request) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(request);
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the response head");
            }
            head.append((char) b);
        }
        String h = head.toString().toLowerCase();
        if (!h.startsWith("http/1.1 200")) {
            throw new IOException("unexpected response: " + head.toString().lines().findFirst().orElse(""));
        }
        int cl = h.indexOf("content-length:");
        if (cl < 0) {
            throw new IOException("this tool needs a Content-Length response");
        }
        int end = h.indexOf("\r\n", cl);
        long length = Long.parseLong(h.substring(cl + 15, end).trim());
        for (long i = 0; i < length; i++) {
            if (in.read() < 0) {
                throw new IOException("closed inside the body");
            }
        }
    }

    /** Resident set of the process and its children, in KiB (after a full GC when it is a JVM). */
    private static long rss(long pid, boolean jvm) throws IOException, InterruptedException {
        if (jvm) {
            Process p = new ProcessBuilder("jcmd", Long.toString(pid), "GC.run").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor(30, TimeUnit.SECONDS);
            TimeUnit.MILLISECONDS.sleep(500);
        }
        long total = 0;
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        for (long p : pids) {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    total += Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        }
        return total;
    }
}
