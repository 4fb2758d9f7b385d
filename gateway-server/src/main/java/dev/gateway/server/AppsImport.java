package dev.gateway.server;

import dev.gateway.core.config.App;
import dev.gateway.core.config.ConfigError;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.ConfigLoader;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.RedisConfig;
import dev.gateway.core.metadata.AppJson;
import dev.gateway.core.metadata.AppRecords;
import dev.gateway.core.redis.RedisService;
import io.lettuce.core.RedisURI;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * {@code gateway-server apps import FILE [--redis URI] [--key-prefix gw:]}: loads the apps of a file into Redis, the
 * one step from {@code metadata.source: file} to {@code redis}. The file is read and checked by the gateway's own
 * loader ({@link ConfigLoader#forApps}): an apps file such as {@code conf/apps.yml}, or a {@code gateway.yml} with its
 * includes (whose {@code redis:} section is used when {@code --redis} is not given). Any problem is printed located
 * ({@code file:line: path: message}) and nothing is written (exit 1).
 *
 * <p>Each app is written as {@code <prefix>app:<key>} unless Redis already holds the same app, and each key written
 * is published on {@code <prefix>apps:changed} so running gateways pick it up at once. Idempotent: a second run
 * changes nothing and says so. Apps in Redis that the file does not name are left alone. A CLI: it waits for Redis
 * (blocking calls, never on an event loop).
 */
final class AppsImport {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
    private static final String USAGE = "usage: gateway-server apps import FILE [--redis URI] [--key-prefix PREFIX]";

    private AppsImport() {}

    /** @param args what follows {@code apps} on the command line */
    static int run(String[] args, PrintStream out, PrintStream err, Function<String, String> env) {
        if (args.length == 0 || !args[0].equals("import")) {
            err.println(USAGE);
            return 2;
        }
        Path file = null;
        String uri = null;
        String prefix = null;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--redis", "--key-prefix" -> {
                    if (i + 1 >= args.length) {
                        err.println(args[i] + " needs a value\n" + USAGE);
                        return 2;
                    }
                    if (args[i].equals("--redis")) {
                        uri = args[++i];
                    } else {
                        prefix = args[++i];
                    }
                }
                case "--help", "-h" -> {
                    out.println(USAGE);
                    out.println("  FILE               an apps file (apps: [...]) or a gateway.yml with its includes");
                    out.println("  --redis URI        redis://[user:password@]host[:port][/db], rediss://, "
                            + "redis-sentinel://... (default: the file's redis: section)");
                    out.println("  --key-prefix P     what every key starts with (default: the file's, else gw:)");
                    return 0;
                }
                default -> {
                    if (file != null || args[i].startsWith("-")) {
                        err.println("unknown argument: " + args[i] + "\n" + USAGE);
                        return 2;
                    }
                    file = Path.of(args[i]);
                }
            }
        }
        if (file == null) {
            err.println("apps import needs a FILE\n" + USAGE);
            return 2;
        }
        GatewayConfig config;
        try {
            config = ConfigLoader.forApps(env).load(file);
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                err.println(error);
            }
            err.println(file + ": " + e.errors().size() + " error(s), nothing imported");
            return 1;
        }
        RedisConfig redisConfig = redisConfig(config, uri, prefix, err);
        if (redisConfig == null) {
            return 2;
        }
        try (RedisService redis = RedisService.start(redisConfig, null)) {
            return importApps(file, config.apps(), redis, out, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static RedisConfig redisConfig(GatewayConfig config, String uri, String prefix, PrintStream err) {
        RedisConfig fromFile = config.redis();
        if (uri == null && fromFile == null) {
            err.println("no Redis: give --redis URI (or import a gateway.yml with a redis: section)\n" + USAGE);
            return null;
        }
        String p = prefix != null ? prefix : fromFile != null ? fromFile.keyPrefix() : "gw:";
        if (p.length() > 64 || p.chars().anyMatch(c -> c == '{' || c == '}'
                || Character.isWhitespace(c) || Character.isISOControl(c))) {
            err.println("--key-prefix: at most 64 characters with no '{', '}' or whitespace, found '" + p + "'");
            return null;
        }
        if (uri == null) {
            return new RedisConfig(fromFile.uri(), fromFile.cluster(), COMMAND_TIMEOUT, fromFile.connectTimeout(), p,
                    RedisConfig.Readiness.DEGRADED);
        }
        try {
            RedisURI.create(uri);
        } catch (IllegalArgumentException e) {
            err.println("--redis: not a Redis URI such as redis://127.0.0.1:6379/0");
            return null;
        }
        return new RedisConfig(uri, List.of(), COMMAND_TIMEOUT, Duration.ofSeconds(2), p,
                RedisConfig.Readiness.DEGRADED);
    }

    private static int importApps(Path file, List<App> apps, RedisService redis, PrintStream out, PrintStream err) {
        AppRecords records = new AppRecords(redis);
        String target = redis.config().target() + " (prefix " + redis.config().keyPrefix() + ")";
        int created = 0;
        int updated = 0;
        int unchanged = 0;
        for (App app : apps) {
            try {
                AppRecords.Stored existing = await(records.get(app.key()));
                if (existing != null && existing.app() != null
                        && AppJson.write(existing.app()).equals(AppJson.write(app))) {
                    unchanged++;
                    out.println("unchanged " + app.key());
                    continue;
                }
                AppRecords.Written w = await(records.put(app));
                await(records.publish(app.key()));
                if (w == AppRecords.Written.CREATED) {
                    created++;
                    out.println("created   " + app.key());
                } else {
                    updated++;
                    out.println("updated   " + app.key());
                }
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                err.println("cannot import app " + app.key() + " into " + target + ": " + redis.describe(cause));
                err.println(file + ": stopped after " + created + " created, " + updated + " updated, " + unchanged
                        + " unchanged; run the import again once Redis answers");
                return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        out.println(file + ": " + apps.size() + " apps imported into " + target + ": " + created + " created, "
                + updated + " updated, " + unchanged + " unchanged; " + (created + updated)
                + " change message(s) published");
        return 0;
    }

    private static <T> T await(CompletionStage<T> stage)
            throws ExecutionException, TimeoutException, InterruptedException {
        return stage.toCompletableFuture().get(COMMAND_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
    }
}
