package dev.gateway.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A file of values, one per line, that a configuration key names ({@code values-file: lists/devices.txt}, relative
 * to the file that names it): blank lines and lines starting with {@code #} are skipped, the rest trimmed. Read at
 * load, off the event loops. The file becomes one of the configuration's sources (its version, the file watcher).
 */
public final class ListFile {
    private ListFile() {}

    /** One value and where it was written, for {@code file:line} errors. */
    public record Line(String value, ConfigNode.Location location) {}

    /** The lines of the file {@code sn} names, or an empty list (and a problem at {@code sn}) when unreadable. */
    public static List<Line> read(ConfigNode.ScalarNode sn, Problems problems) {
        Path file = resolve(sn);
        List<String> lines;
        try {
            byte[] bytes = Files.readAllBytes(file);
            ConfigLoader.addSource(file, bytes);
            lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException | RuntimeException e) {
            problems.add(sn, "cannot read '" + sn.value() + "': " + e);
            return List.of();
        }
        List<Line> out = new ArrayList<>(lines.size());
        String name = file.toString();
        for (int i = 0; i < lines.size(); i++) {
            String v = lines.get(i).trim();
            if (!v.isEmpty() && !v.startsWith("#")) {
                out.add(new Line(v, new ConfigNode.Location(name, i + 1)));
            }
        }
        return out;
    }

    /** The path a scalar names, relative to the directory of the file it is written in. */
    public static Path resolve(ConfigNode.ScalarNode n) {
        Path parent = Path.of(n.location().file()).getParent();
        return parent == null ? Path.of(n.value()) : parent.resolve(n.value()).normalize();
    }
}
