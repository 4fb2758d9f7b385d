package dev.gateway.server.reload;

import dev.gateway.core.config.ConfigError;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.ConfigLoader;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.internal.ConfigCompiler;
import dev.gateway.core.runtime.CurrentConfig;
import dev.gateway.core.upstream.HealthChecks;
import dev.gateway.core.runtime.Services;
import dev.gateway.core.runtime.Snapshot;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the whole configuration: load every file, validate, compile, and only when all of it is valid put the new
 * {@link Snapshot} in force with one atomic swap. Requests in flight finish on the snapshot they started with. An
 * invalid configuration changes nothing: its errors are logged with file and line, counted in
 * {@code gateway_config_reloads_total{result="failure"}} and kept for {@code GET /admin/config}.
 *
 * <p>What outlives the swap is in the {@link Services}: pools of targets still named keep their idle connections,
 * balancer positions and the replay store stay; targets no longer named are retired (their connections close after
 * their last request). Reloads run one at a time on this class's own thread, never on an event loop.
 */
public final class ConfigReloader implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(ConfigReloader.class);

    private final Path mainFile;
    private final GatewayConfig bound;
    private final ConfigLoader loader;
    private final ConfigCompiler compiler;
    private final CurrentConfig current;
    private final Services services;
    private final ReloadHooks hooks;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gateway-reload");
        t.setDaemon(true);
        return t;
    });
    private final ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    private volatile ReloadResult last;
    private volatile ReloadResult lastFailure;
    private ScheduledFuture<?> debounced;
    private ConfigWatcher watcher;

    /**
     * @param bound the configuration the process started with (its listeners and threads are what a restart
     *     would change)
     * @param hooks what the server does around a swap and on a rejection
     */
    public ConfigReloader(Path mainFile, GatewayConfig bound, ConfigLoader loader, ConfigCompiler compiler,
            CurrentConfig current, Services services, ReloadHooks hooks) {
        this.mainFile = mainFile;
        this.bound = bound;
        this.loader = loader;
        this.compiler = compiler;
        this.current = current;
        this.services = services;
        this.hooks = hooks;
    }

    /** Reloads on the reload thread; the future completes with what happened (never exceptionally). */
    public CompletableFuture<ReloadResult> reload(String trigger) {
        return CompletableFuture.supplyAsync(() -> safely(trigger, false), thread);
    }

    /** A loaded file changed: reload once the files have been quiet for {@code debounce}. */
    synchronized void filesChanged(Duration debounce) {
        if (debounced != null) {
            debounced.cancel(false);
        }
        debounced = thread.schedule(() -> safely("file change", true), debounce.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Starts watching the loaded files (when the configuration asks for it). */
    public void startWatching() {
        if (!bound.reload().watch()) {
            return;
        }
        Duration debounce = bound.reload().debounce();
        watcher = new ConfigWatcher(() -> current.get().config().sources(), () -> filesChanged(debounce),
                bound.reload().pollInterval(), thread);
        watcher.start();
    }

    /** {@link #reloadNow}, which never throws: a failure nobody expected is logged and reported as a rejection. */
    private ReloadResult safely(String trigger, boolean skipIfUnchanged) {
        Snapshot before = current.get();
        try {
            return reloadNow(trigger, skipIfUnchanged);
        } catch (RuntimeException e) {
            Snapshot now = current.get();
            boolean applied = now != before;
            logger.error("reload ({}) failed unexpectedly; {} is in force", trigger,
                    applied ? "the new configuration" : "the previous configuration", e);
            ReloadResult r = new ReloadResult(applied ? ReloadResult.Outcome.APPLIED : ReloadResult.Outcome.REJECTED,
                    trigger, services.clock().instant(), now.version(), before.version(),
                    List.of("internal error: " + e), List.of(), -1);
            if (!applied) {
                lastFailure = r;
            }
            return remember(r);
        }
    }

    private ReloadResult reloadNow(String trigger, boolean skipIfUnchanged) {
        long cpuStart = cpu.getCurrentThreadCpuTime();
        Snapshot before = current.get();
        GatewayConfig config;
        Snapshot next;
        try {
            config = loader.load(mainFile);
            if (skipIfUnchanged && config.version().equals(before.version())) {
                if (isBroken()) {
                    // The broken edit was undone: say so, or the last word in the log is the rejection.
                    logger.info("configuration files are valid again ({}): version {} is in force", trigger,
                            before.version());
                } else {
                    logger.debug("configuration files touched but unchanged (version {})", before.version());
                }
                return remember(new ReloadResult(ReloadResult.Outcome.UNCHANGED, trigger, services.clock().instant(),
                        before.version(), before.version(), List.of(), List.of(), cpuSince(cpuStart)));
            }
            next = compiler.compile(config);
            hooks.prepare(next);
        } catch (ConfigException e) {
            return rejected(trigger, before, e.errors(), cpuStart);
        }
        services.metadata().configLoaded(config.apps());
        services.metadata().settings(config.metadata());
        hooks.swapping(next);
        current.swap(next);
        services.upstreams().retainOnly(next.endpoints(), next.upstreams().keySet());
        services.health().apply(next.upstreams().values(), services.eventLoops() == null ? null
                : new HealthChecks(services.upstreams(), services.eventLoops()));
        services.health().retainRoutes(routeIds(next));
        services.retryBudgets().retainOnly(routeIds(next));
        hooks.applied(next);
        List<String> restart = RestartCheck.restartNeeded(bound, config);
        ReloadResult r = new ReloadResult(ReloadResult.Outcome.APPLIED, trigger, next.loadedAt(), next.version(),
                before.version(), List.of(), restart, cpuSince(cpuStart));
        logger.info("configuration reloaded ({}): version {} -> {}, {} routes, {} upstreams, {} ms CPU{}{}", trigger,
                before.version(), next.version(), next.routes().routes().size(), next.upstreams().size(),
                String.format("%.1f", r.cpuNanos() / 1e6),
                restart.isEmpty() ? "" : "; restart needed for: " + String.join("; ", restart),
                isBroken() ? "; the files are valid again and this configuration is in force" : "");
        return remember(r);
    }

    private ReloadResult rejected(String trigger, Snapshot before, List<ConfigError> errors, long cpuStart) {
        // Endpoints the failed compile registered are not named by the configuration in force: let them go.
        services.upstreams().retainOnly(before.endpoints(), before.upstreams().keySet());
        services.retryBudgets().retainOnly(routeIds(before));
        services.health().retainRoutes(routeIds(before));
        hooks.rejected();
        List<String> lines = errors.stream().map(ConfigError::toString).toList();
        logger.warn("configuration reload ({}) rejected, version {} stays in force; {} error(s):\n  {}", trigger,
                before.version(), lines.size(), String.join("\n  ", lines));
        ReloadResult r = new ReloadResult(ReloadResult.Outcome.REJECTED, trigger, services.clock().instant(),
                before.version(), before.version(), lines, List.of(), cpuSince(cpuStart));
        lastFailure = r;
        return remember(r);
    }

    /** The last attempt was rejected: the files on disk are not what is in force. Called on the reload thread. */
    private boolean isBroken() {
        ReloadResult l = last;
        return l != null && l.outcome() == ReloadResult.Outcome.REJECTED;
    }

    private static List<String> routeIds(Snapshot s) {
        return s.config().routes().stream().map(r -> r.id()).toList();
    }

    private ReloadResult remember(ReloadResult r) {
        last = r;
        return r;
    }

    private long cpuSince(long start) {
        return start < 0 ? -1 : cpu.getCurrentThreadCpuTime() - start;
    }

    /** The last attempt, or null if there was none since start. */
    public ReloadResult last() {
        return last;
    }

    /** The last rejected attempt, or null. */
    public ReloadResult lastFailure() {
        return lastFailure;
    }

    /** The settings changed since start that need a restart (empty when none). */
    public List<String> restartNeeded() {
        return RestartCheck.restartNeeded(bound, current.get().config());
    }

    public CurrentConfig current() {
        return current;
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        thread.shutdownNow();
    }
}
