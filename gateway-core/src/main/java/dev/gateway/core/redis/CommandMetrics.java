package dev.gateway.core.redis;

import dev.gateway.core.metrics.GatewayMeters;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.event.command.CommandFailedEvent;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import io.lettuce.core.event.command.CommandSucceededEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Records every command's latency into {@code gateway.redis.commands}, tagged by command name (a bounded set: Redis
 * command keywords) and outcome: {@code success}, {@code error} (an error reply, a lost or refused connection) or
 * {@code timeout}. A Lettuce {@link CommandListener}, so it sees failures too, which Lettuce's latency recorder does
 * not: it runs on Lettuce's threads (the I/O thread, or the timer for timeouts), never on the gateway's loops.
 */
final class CommandMetrics implements CommandListener {
    private static final String STARTED = "gateway.started";
    private static final Duration[] BUCKETS = {
        Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
    };

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();

    CommandMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void commandStarted(CommandStartedEvent event) {
        event.getContext().put(STARTED, System.nanoTime());
    }

    @Override
    public void commandSucceeded(CommandSucceededEvent event) {
        timer(event.getCommand().getType().toString(), "success").record(event.getDuration(TimeUnit.NANOSECONDS),
                TimeUnit.NANOSECONDS);
    }

    @Override
    public void commandFailed(CommandFailedEvent event) {
        Object started = event.getContext().get(STARTED);
        long nanos = started instanceof Long t ? System.nanoTime() - t : 0;
        String outcome = event.getCause() instanceof RedisCommandTimeoutException ? "timeout" : "error";
        timer(event.getCommand().getType().toString(), outcome).record(nanos, TimeUnit.NANOSECONDS);
    }

    private Timer timer(String command, String outcome) {
        String key = command + ' ' + outcome;
        Timer t = timers.get(key);
        return t != null ? t : timers.computeIfAbsent(key, k -> Timer.builder(GatewayMeters.REDIS_COMMANDS)
                .description("Redis commands: latency by command and outcome (success, error, timeout)")
                .tags("command", command, "outcome", outcome)
                .serviceLevelObjectives(BUCKETS)
                .register(registry));
    }
}
