package dev.gateway.core.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads {@code gateway.yml} and the files it includes into an immutable {@link GatewayConfig}. Every problem in every
 * file is collected and thrown together as a {@link ConfigException}, each naming file, line and key path. Runs off
 * the event loops (start-up, {@code --check}).
 */
public final class ConfigLoader {
    /** Ids of routes, upstreams and apps. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final Function<String, String> env;
    private final List<FilterType<?>> filters;
    /** Skip routes' filter sections (a settings-only load, before the filter factories exist). */
    private final boolean skipFilters;
    /** A load for the apps it holds: with no routes in the files, apps' route references are not checked. */
    private final boolean forApps;
    private final RouteReader routeReader;

    /** A loader that knows no filters (a route naming one is an error). */
    public ConfigLoader(Function<String, String> env) {
        this(env, List.of(), false);
    }

    /** @param filters the filter factories in their fixed chain order */
    public ConfigLoader(Function<String, String> env, List<? extends FilterType<?>> filters) {
        this(env, filters, false);
    }

    private ConfigLoader(Function<String, String> env, List<? extends FilterType<?>> filters, boolean skipFilters) {
        this(env, filters, skipFilters, false);
    }

    private ConfigLoader(Function<String, String> env, List<? extends FilterType<?>> filters, boolean skipFilters,
            boolean forApps) {
        this.env = env;
        this.filters = List.copyOf(filters);
        this.skipFilters = skipFilters;
        this.forApps = forApps;
        this.routeReader = new RouteReader(this.filters, skipFilters);
    }

    /**
     * A loader for the {@code apps:} of a file (the {@code apps import} command): an apps file such as
     * {@code conf/apps.yml}, or a {@code gateway.yml} with its includes. Apps are read and checked as in any load
     * (every problem located); their {@code routes} and {@code route-groups} are checked only when the files define
     * routes, since an apps file alone names routes defined elsewhere. Routes' filter sections are skipped.
     */
    public static ConfigLoader forApps(Function<String, String> env) {
        return new ConfigLoader(env, List.of(), true, true);
    }

    /**
     * A loader for the settings the services are built from (listeners, threads, metrics), read before the filter
     * factories exist: routes' {@code filters} sections are skipped, not checked. The full load follows.
     */
    public static ConfigLoader settingsOnly(Function<String, String> env) {
        return new ConfigLoader(env, List.of(), true);
    }

    /** A loader reading {@code ${NAME}} from the process environment. */
    public static ConfigLoader withSystemEnv(List<? extends FilterType<?>> filters) {
        return new ConfigLoader(System::getenv, filters);
    }

    /** The load running on this thread, for files that sections read besides the YAML ({@link #addSource}). */
    private static final ThreadLocal<Load> CURRENT = new ThreadLocal<>();

    public GatewayConfig load(Path mainFile) throws ConfigException {
        Load load = new Load();
        Load outer = CURRENT.get();
        CURRENT.set(load);
        try {
            return load.run(mainFile);
        } finally {
            CURRENT.set(outer);
        }
    }

    /**
     * A file a section read besides the YAML (a values-file, a mock's body-file): it becomes one of the
     * configuration's sources, so its contents are part of the version and the file watcher sees it change.
     */
    static void addSource(Path file, byte[] contents) {
        Load load = CURRENT.get();
        if (load != null) {
            load.sources.add(file);
            load.digest.update(file.toString().getBytes(StandardCharsets.UTF_8));
            load.digest.update((byte) 0);
            load.digest.update(contents);
            load.digest.update((byte) 0);
        }
    }

    /** One load: the files read so far and the hash of their contents, the version of the result. */
    private final class Load {
        private final List<Path> sources = new ArrayList<>();
        private final MessageDigest digest = sha256();
        /** Files that are not valid YAML: their errors alone are reported (see {@link #load(Path, Load)}). */
        private final List<ConfigError> syntaxErrors = new ArrayList<>();

        GatewayConfig run(Path mainFile) throws ConfigException {
            return ConfigLoader.this.load(mainFile, this);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private GatewayConfig load(Path mainFile, Load load) throws ConfigException {
        Problems problems = new Problems();
        Map<String, UpstreamConfig> upstreams = new LinkedHashMap<>();
        List<RouteConfig> routes = new ArrayList<>();
        List<AppReader.AppEntry> apps = new ArrayList<>();
        List<LimitConfig> limits = new ArrayList<>();
        List<ConfigNode> limitsSettings = new ArrayList<>();
        ServerConfig server;
        AdminConfig admin;
        AccessLogConfig accessLog;
        DemoEchoConfig demo;

        ConfigNode root = parse(mainFile, problems, mainFile, load);
        Section main = root == null ? null : Section.of(root, problems);
        if (main == null) {
            main = Section.of(new ConfigNode.ScalarNode(new ConfigNode.Location(display(mainFile), 1), "", null),
                    problems);
        }
        server = bind(main, "server", ServerConfig.class, problems);
        admin = bind(main, "admin", AdminConfig.class, problems);
        accessLog = bind(main, "access-log", AccessLogConfig.class, problems);
        MetricsConfig metrics = bind(main, "metrics", MetricsConfig.class, problems);
        TracingConfig tracing = bind(main, "tracing", TracingConfig.class, problems);
        demo = bind(main, "demo-echo", DemoEchoConfig.class, problems);
        ReloadConfig reload = bind(main, "reload", ReloadConfig.class, problems);
        RedisConfig redis = main.raw("redis") == null ? null : bind(main, "redis", RedisConfig.class, problems);
        MetadataConfig metadata = bind(main, "metadata", MetadataConfig.class, problems);
        if (metadata.source() == MetadataConfig.Source.REDIS && redis == null) {
            problems.add(main.section("metadata").raw("source"),
                    "source: redis needs a redis: section (redis.uri or redis.cluster)");
        }
        Set<Path> seen = new HashSet<>();
        seen.add(mainFile.toAbsolutePath().normalize());
        List<FilterSpec> defaults = routeReader.readGlobalFilters(main);
        readContent(main, mainFile, problems, upstreams, routes, apps, seen, load, limits, limitsSettings);
        if (!skipFilters) {
            // A settings-only load knows no filter factories, so not the top-level sections of filter defaults
            // either; the full load that follows checks the keys.
            main.finish();
        }
        LimitsSettings limitSettings = limitsSettings.isEmpty() ? LimitsSettings.DEFAULT
                : Binder.bind(limitsSettings.get(0), LimitsSettings.class, problems);
        for (ConfigNode again : limitsSettings.subList(Math.min(1, limitsSettings.size()), limitsSettings.size())) {
            problems.add(again, "limits-settings is already given at " + limitsSettings.get(0).location());
        }

        if (!load.syntaxErrors.isEmpty()) {
            // A file that does not parse contributes nothing, so checks across files would report its routes and
            // upstreams as missing ("no route with id ..."): follow-on errors that hide the one to fix.
            throw new ConfigException(load.syntaxErrors);
        }
        RouteReader.validate(upstreams, routes, problems);
        boolean appsOnly = forApps && routes.isEmpty();
        AppReader.validateApps(apps, appsOnly ? null : routes, problems);
        if (!appsOnly) {
            LimitReader.validate(limits, routes, redis != null, problems);
        }
        problems.throwIfAny();
        String version = HexFormat.of().formatHex(load.digest.digest(), 0, 8);
        GatewayConfig config = new GatewayConfig(mainFile, load.sources, version, server, admin, accessLog, metrics,
                tracing, demo, reload, upstreams, routes, apps.stream().map(AppReader.AppEntry::app).toList(), redis,
                metadata, limits, limitSettings);
        return withSelectedFilters(config, defaults);
    }

    /**
     * Adds to each route the filters it does not name: the global {@code defaults} (top-level sections), and those
     * that the configuration selects for it ({@link FilterType#selectedBy}), in chain order.
     */
    private GatewayConfig withSelectedFilters(GatewayConfig config, List<FilterSpec> defaults) {
        if (skipFilters) {
            return config;
        }
        List<RouteConfig> out = new ArrayList<>(config.routes().size());
        boolean changed = false;
        for (RouteConfig r : config.routes()) {
            List<FilterSpec> chain = null;
            for (FilterType<?> f : filters) {
                if (r.filters().stream().anyMatch(spec -> spec.type() == f)) {
                    continue;
                }
                FilterSpec d = defaults.stream().filter(spec -> spec.type() == f).findFirst().orElse(null);
                Object cfg = d != null ? d.config() : f.selectedBy(config, r);
                if (cfg != null) {
                    chain = chain == null ? new ArrayList<>(r.filters()) : chain;
                    chain.add(d != null ? d : new FilterSpec(f, cfg, r.location(), r.path() + ".filters." + f.name()));
                }
            }
            if (chain != null) {
                chain.sort(java.util.Comparator.comparingInt(spec -> filters.indexOf(spec.type())));
                r = r.withFilters(chain);
                changed = true;
            }
            out.add(r);
        }
        if (!changed) {
            return config;
        }
        return new GatewayConfig(config.file(), config.sources(), config.version(), config.server(), config.admin(),
                config.accessLog(), config.metrics(), config.tracing(), config.demoEcho(), config.reload(),
                config.upstreams(), out, config.apps(), config.redis(), config.metadata(), config.limits(),
                config.limitsSettings());
    }


    private void readContent(Section s, Path file, Problems problems, Map<String, UpstreamConfig> upstreams,
            List<RouteConfig> routes, List<AppReader.AppEntry> apps, Set<Path> seen, Load load,
            List<LimitConfig> limits, List<ConfigNode> limitsSettings) {
        for (ConfigNode l : s.list("limits")) {
            LimitConfig limit = Binder.bind(l, LimitConfig.class, problems);
            if (limit != null && limit.id() != null) {
                limits.add(limit);
            }
        }
        ConfigNode ls = s.raw("limits-settings");
        if (ls != null && !(ls instanceof ConfigNode.ScalarNode sn && sn.value() == null)) {
            limitsSettings.add(ls);
        }
        for (ConfigNode a : s.list("apps")) {
            App app = Binder.bind(a, App.class, problems);
            if (app != null && app.key() != null) {
                apps.add(new AppReader.AppEntry(app, a));
            }
        }
        ConfigNode ups = s.raw("upstreams");
        if (ups != null && !(ups instanceof ConfigNode.ScalarNode sn && sn.value() == null)) {
            Section us = Section.of(ups, problems);
            for (var e : ((ConfigNode.MapNode) us.node()).entries().entrySet()) {
                us.raw(e.getKey());
                UpstreamConfig u = Binder.bind(e.getValue(), e.getKey(), UpstreamConfig.class, problems);
                if (u == null) {
                    continue;
                }
                UpstreamConfig prev = upstreams.putIfAbsent(u.name(), u);
                if (prev != null) {
                    problems.add(e.getValue(), "upstream '" + u.name() + "' is already defined at " + prev.location());
                }
            }
        }
        for (ConfigNode r : s.list("routes")) {
            RouteConfig rc = routeReader.read(r, problems);
            if (rc != null) {
                routes.add(rc);
            }
        }
        for (ConfigNode inc : s.list("include")) {
            if (!(inc instanceof ConfigNode.ScalarNode sn) || sn.value() == null) {
                problems.add(inc, "expected a file name, found " + inc.kind());
                continue;
            }
            Path base = file.toAbsolutePath().getParent();
            Path target = base.resolve(sn.value()).normalize();
            Path display = file.getParent() == null ? Path.of(sn.value()) : file.getParent().resolve(sn.value());
            if (!seen.add(target)) {
                problems.add(inc, "'" + sn.value() + "' is included more than once (or includes itself)");
                continue;
            }
            ConfigNode incRoot = parse(display.normalize(), problems, inc, load);
            if (incRoot == null) {
                continue;
            }
            Section is = Section.of(incRoot, problems);
            readContent(is, display.normalize(), problems, upstreams, routes, apps, seen, load, limits,
                    limitsSettings);
            is.finish();
        }
    }

    /** The section {@code key} of {@code main} bound to {@code type}; its defaults when the section is absent. */
    private static <T extends Record> T bind(Section main, String key, Class<T> type, Problems problems) {
        ConfigNode n = main.raw(key);
        return Binder.bind(n != null ? n : new ConfigNode.ScalarNode(main.node().location(), main.child(key), null),
                type, problems);
    }

    private ConfigNode parse(Path file, Problems problems, Object origin, Load load) {
        String name = display(file);
        try {
            byte[] bytes = Files.readAllBytes(file);
            load.sources.add(file);
            load.digest.update(name.getBytes(StandardCharsets.UTF_8));
            load.digest.update((byte) 0);
            load.digest.update(bytes);
            load.digest.update((byte) 0);
            YamlTreeReader reader = new YamlTreeReader(name, env, problems);
            ConfigNode root = reader.read(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
            if (reader.syntaxError() != null) {
                load.syntaxErrors.add(reader.syntaxError());
            }
            return root;
        } catch (NoSuchFileException e) {
            reportMissing(name, problems, origin, "file not found");
            return null;
        } catch (IOException e) {
            reportMissing(name, problems, origin, "cannot read: " + e.getMessage());
            return null;
        }
    }

    private static void reportMissing(String name, Problems problems, Object origin, String what) {
        if (origin instanceof ConfigNode n) {
            problems.add(n, name + ": " + what);
        } else {
            problems.add(new ConfigNode.Location(name, 0), "", what);
        }
    }

    private static String display(Path p) {
        return p.toString();
    }

}
