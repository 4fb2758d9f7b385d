package dev.gateway.server.reload;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices changes to the configuration's files. The file system's watch service wakes it on any event in a directory
 * that holds a loaded file (so a rename over the file, an editor's save and a Kubernetes ConfigMap's symlink swap all
 * count); polling every {@code pollInterval} is the fallback where events don't arrive (some network and overlay file
 * systems). Either way a change is only reported when a file's size, modification time or existence differs from
 * what was seen before, and the reloader debounces the reports.
 */
final class ConfigWatcher implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(ConfigWatcher.class);

    private final Supplier<List<Path>> sources;
    private final Runnable onChange;
    private final Duration pollInterval;
    private final ScheduledExecutorService executor;
    private final Set<Path> watchedDirs = new HashSet<>();
    private WatchService watchService;
    private Thread watchThread;
    private ScheduledFuture<?> poll;
    private List<Object> seen;

    ConfigWatcher(Supplier<List<Path>> sources, Runnable onChange, Duration pollInterval,
            ScheduledExecutorService executor) {
        this.sources = sources;
        this.onChange = onChange;
        this.pollInterval = pollInterval;
        this.executor = executor;
    }

    synchronized void start() {
        seen = fingerprint();
        try {
            watchService = FileSystems.getDefault().newWatchService();
            registerDirectories();
            watchThread = new Thread(this::watch, "gateway-config-watch");
            watchThread.setDaemon(true);
            watchThread.start();
        } catch (IOException | UnsupportedOperationException e) {
            logger.warn("cannot watch the configuration files ({}); polling every {} ms instead", e.toString(),
                    pollInterval.toMillis());
        }
        long every = pollInterval.toNanos();
        poll = executor.scheduleWithFixedDelay(this::check, every, every, TimeUnit.NANOSECONDS);
    }

    private void watch() {
        WatchService ws = watchService;
        try {
            while (true) {
                WatchKey key = ws.take();
                key.pollEvents();
                key.reset();
                check();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    /** Reports a change if any loaded file differs from what was seen last; watches directories of new files. */
    synchronized void check() {
        List<Object> now = fingerprint();
        if (!now.equals(seen)) {
            seen = now;
            registerDirectories();
            onChange.run();
        }
    }

    private void registerDirectories() {
        if (watchService == null) {
            return;
        }
        for (Path file : sources.get()) {
            Path dir = file.toAbsolutePath().normalize().getParent();
            if (dir != null && watchedDirs.add(dir)) {
                try {
                    dir.register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
                } catch (IOException e) {
                    logger.warn("cannot watch {} ({}); its changes are seen by polling", dir, e.toString());
                }
            }
        }
    }

    /** Size, modification time and existence of every loaded file. */
    private List<Object> fingerprint() {
        List<Object> out = new ArrayList<>();
        for (Path file : sources.get()) {
            out.add(file);
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                out.add(a.size());
                out.add(a.lastModifiedTime());
                out.add(a.fileKey());
            } catch (IOException e) {
                out.add("missing");
            }
        }
        return out;
    }

    @Override
    public synchronized void close() {
        if (poll != null) {
            poll.cancel(false);
        }
        if (watchService != null) {
            try {
                watchService.close();
            } catch (IOException e) {
                logger.debug("closing the watch service: {}", e.toString());
            }
        }
    }
}
