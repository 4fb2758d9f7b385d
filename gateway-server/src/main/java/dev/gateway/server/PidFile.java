package dev.gateway.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process id in a file ({@code server.pid-file}), as nginx's {@code pid}: written once the listeners are bound,
 * so that {@code kill -HUP "$(cat gateway.pid)"} reaches this gateway and no other process whose command line
 * happens to match. Removed at a clean exit, if it still names this process.
 *
 * <p>A file left by a process that died is overwritten. A file naming a process that is still alive is overwritten
 * too, as nginx does (this gateway has bound its listeners, so it is the one to signal), with a WARN naming the other
 * process: two gateways sharing one pid file is a mistake in their configurations.
 */
final class PidFile {
    private static final Logger logger = LoggerFactory.getLogger(PidFile.class);

    private final Path file;
    private final long pid;

    private PidFile(Path file, long pid) {
        this.file = file;
        this.pid = pid;
    }

    /** Writes this process's pid to {@code file} (atomically); returns null when {@code file} is null. */
    static PidFile write(Path file) {
        if (file == null) {
            return null;
        }
        long pid = ProcessHandle.current().pid();
        Optional<Long> previous = read(file);
        if (previous.isPresent() && previous.get() != pid
                && ProcessHandle.of(previous.get()).map(ProcessHandle::isAlive).orElse(false)) {
            logger.warn("pid file {} named process {}, which is still running; it now names this process ({})",
                    file.toAbsolutePath(), previous.get(), pid);
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".gateway-pid-", ".tmp");
            Files.writeString(tmp, pid + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new GatewayServer.StartException("cannot start: cannot write the pid file " + file.toAbsolutePath()
                    + ": " + e + "; check server.pid-file", e);
        }
        logger.info("pid {} written to {}", pid, file.toAbsolutePath());
        return new PidFile(file, pid);
    }

    /** Removes the file if it still names this process (another gateway may have taken it over since). */
    void remove() {
        if (read(file).map(p -> p == pid).orElse(false)) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                logger.warn("cannot remove the pid file {}: {}", file.toAbsolutePath(), e.toString());
            }
        }
    }

    private static Optional<Long> read(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // unreadable or not a pid: overwritten like a stale one
        }
    }
}
