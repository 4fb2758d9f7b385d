package dev.gateway.core.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file that a configuration key names ({@code body-file: bodies/orders.json}, relative to the file that names it),
 * read whole when the configuration is bound; it becomes one of the configuration's sources. Off the event loops.
 */
public record ConfigFile(String name, byte[] bytes) {
    public ConfigFile {
        bytes = bytes.clone();
    }

    /** The file {@code sn} names, or null (and a problem at {@code sn}) when it cannot be read. */
    static ConfigFile of(ConfigNode.ScalarNode sn, Problems problems) {
        try {
            Path file = ListFile.resolve(sn);
            byte[] bytes = Files.readAllBytes(file);
            ConfigLoader.addSource(file, bytes);
            return new ConfigFile(sn.value(), bytes);
        } catch (IOException | RuntimeException e) {
            problems.add(sn, "cannot read '" + sn.value() + "': " + e);
            return null;
        }
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The contents as UTF-8 text, or null when they are not valid UTF-8. */
    public String utf8() {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
