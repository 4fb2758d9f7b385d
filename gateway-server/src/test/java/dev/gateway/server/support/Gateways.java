package dev.gateway.server.support;

import dev.gateway.server.GatewayServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Starts an in-process gateway from a YAML text, on ephemeral ports, for tests. */
public final class Gateways {
    private Gateways() {}

    /**
     * Writes {@code yaml} to a temporary gateway.yml and starts a gateway from it. {@code ${NAME}} in the text is
     * resolved from {@code env}. Server and admin listen on 127.0.0.1:0 unless the YAML says otherwise.
     */
    public static GatewayServer start(String yaml, Map<String, String> env) throws Exception {
        Path dir = Files.createTempDirectory("gw-test");
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, yaml);
        Map<String, String> vars = new HashMap<>(env);
        return new GatewayServer(file, vars::get).start();
    }

    /** Starts a gateway from {@code file} (and the files it includes); {@code ${NAME}} is resolved from {@code env}. */
    public static GatewayServer start(Path file, Map<String, String> env) throws Exception {
        Map<String, String> vars = new HashMap<>(env);
        return new GatewayServer(file, vars::get).start();
    }

    public static GatewayServer start(String yaml) throws Exception {
        return start(yaml, Map.of());
    }

    /** A minimal YAML: server on an ephemeral port with {@code serverExtra} lines, plus upstreams and routes. */
    public static String yaml(String serverExtra, String rest) {
        String threads = serverExtra != null && serverExtra.contains("io-threads") ? "" : "  io-threads: 2\n";
        return "server:\n  listen: 127.0.0.1:0\n" + threads + indent(serverExtra)
                + "admin:\n  listen: 127.0.0.1:0\naccess-log:\n  enabled: true\n" + rest;
    }

    private static String indent(String s) {
        if (s == null || s.isBlank()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String l : s.split("\n")) {
            sb.append("  ").append(l).append('\n');
        }
        return sb.toString();
    }

    public static Path writeTemp(String name, String content) throws IOException {
        Path dir = Files.createTempDirectory("gw-conf");
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }
}
