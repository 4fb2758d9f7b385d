package dev.gateway.core.config;

import dev.gateway.core.route.PathPattern;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.FilterSpec;
import dev.gateway.core.metadata.App;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
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
    private static final Pattern HOST = Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
            + "(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");
    /** A WebSocket relay without a byte either way for this long is closed (nginx's proxy_read_timeout default). */
    static final Duration DEFAULT_WEBSOCKET_IDLE = Duration.ofSeconds(60);
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private final Function<String, String> env;
    private final List<FilterFactory<?>> filters;
    /** Skip routes' filter sections (a settings-only load, before the filter factories exist). */
    private final boolean skipFilters;
    /** A load for the apps it holds: with no routes in the files, apps' route references are not checked. */
    private final boolean forApps;

    /** A loader that knows no filters (a route naming one is an error). */
    public ConfigLoader(Function<String, String> env) {
        this(env, List.of(), false);
    }

    /** @param filters the filter factories in their fixed chain order */
    public ConfigLoader(Function<String, String> env, List<FilterFactory<?>> filters) {
        this(env, filters, false);
    }

    private ConfigLoader(Function<String, String> env, List<FilterFactory<?>> filters, boolean skipFilters) {
        this(env, filters, skipFilters, false);
    }

    private ConfigLoader(Function<String, String> env, List<FilterFactory<?>> filters, boolean skipFilters,
            boolean forApps) {
        this.env = env;
        this.filters = List.copyOf(filters);
        this.skipFilters = skipFilters;
        this.forApps = forApps;
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
    public static ConfigLoader withSystemEnv(List<FilterFactory<?>> filters) {
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
        server = SettingsReader.readServer(main.section("server"));
        admin = SettingsReader.readAdmin(main.section("admin"));
        accessLog = SettingsReader.readAccessLog(main.section("access-log"));
        MetricsConfig metrics = SettingsReader.readMetrics(main.section("metrics"));
        TracingConfig tracing = SettingsReader.readTracing(main.section("tracing"));
        demo = SettingsReader.readDemo(main.section("demo-echo"));
        ReloadConfig reload = SettingsReader.readReload(main.section("reload"));
        RedisConfig redis = main.raw("redis") == null ? null : SettingsReader.readRedis(main.section("redis"));
        MetadataConfig metadata = SettingsReader.readMetadata(main.section("metadata"), redis != null);
        Set<Path> seen = new HashSet<>();
        seen.add(mainFile.toAbsolutePath().normalize());
        List<FilterSpec> defaults = readGlobalFilters(main);
        readContent(main, mainFile, problems, upstreams, routes, apps, seen, load, limits, limitsSettings);
        if (!skipFilters) {
            // A settings-only load knows no filter factories, so not the top-level sections of filter defaults
            // either; the full load that follows checks the keys.
            main.finish();
        }
        if (!defaults.isEmpty()) {
            routes.replaceAll(r -> withDefaults(r, defaults));
        }
        LimitsSettings limitSettings = limitsSettings.isEmpty() ? LimitsSettings.DEFAULT
                : LimitReader.readSettings(Section.of(limitsSettings.get(0), problems));
        for (ConfigNode again : limitsSettings.subList(Math.min(1, limitsSettings.size()), limitsSettings.size())) {
            problems.add(again, "limits-settings is already given at " + limitsSettings.get(0).location());
        }

        validate(upstreams, routes, problems);
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
        return withSelectedFilters(config);
    }

    /** Adds to each route the filters that the configuration selects for it without the route naming them. */
    private GatewayConfig withSelectedFilters(GatewayConfig config) {
        if (skipFilters) {
            return config;
        }
        List<RouteConfig> out = new ArrayList<>(config.routes().size());
        boolean changed = false;
        for (RouteConfig r : config.routes()) {
            List<FilterSpec> chain = null;
            for (FilterFactory<?> f : filters) {
                if (r.filters().stream().anyMatch(spec -> spec.factory() == f)) {
                    continue;
                }
                Object cfg = f.selectedBy(config, r);
                if (cfg != null) {
                    chain = chain == null ? new ArrayList<>(r.filters()) : chain;
                    chain.add(new FilterSpec(f, cfg, r.location(), r.path() + ".filters." + f.name()));
                }
            }
            if (chain != null) {
                chain.sort(java.util.Comparator.comparingInt(spec -> filters.indexOf(spec.factory())));
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
            LimitConfig limit = LimitReader.read(l, problems);
            if (limit != null) {
                limits.add(limit);
            }
        }
        ConfigNode ls = s.raw("limits-settings");
        if (ls != null && !(ls instanceof ConfigNode.ScalarNode sn && sn.value() == null)) {
            limitsSettings.add(ls);
        }
        for (ConfigNode a : s.list("apps")) {
            App app = AppReader.readApp(Section.of(a, problems));
            if (app != null) {
                apps.add(new AppReader.AppEntry(app, a));
            }
        }
        ConfigNode ups = s.raw("upstreams");
        if (ups != null && !(ups instanceof ConfigNode.ScalarNode sn && sn.value() == null)) {
            Section us = Section.of(ups, problems);
            for (var e : ((ConfigNode.MapNode) us.node()).entries().entrySet()) {
                us.raw(e.getKey());
                UpstreamConfig u = readUpstream(e.getKey(), Section.of(e.getValue(), problems));
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
            RouteConfig rc = readRoute(Section.of(r, problems));
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

    private ConfigNode parse(Path file, Problems problems, Object origin, Load load) {
        String name = display(file);
        try {
            byte[] bytes = Files.readAllBytes(file);
            load.sources.add(file);
            load.digest.update(name.getBytes(StandardCharsets.UTF_8));
            load.digest.update((byte) 0);
            load.digest.update(bytes);
            load.digest.update((byte) 0);
            return new YamlTreeReader(name, env, problems).read(new StringReader(new String(bytes,
                    StandardCharsets.UTF_8)));
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

    private static UpstreamConfig readUpstream(String name, Section s) {
        Problems p = s.problems();
        if (!ID.matcher(name).matches()) {
            p.add(s.node(), "upstream name '" + name + "' must be letters, digits, '.', '_' or '-'");
        }
        List<UpstreamConfig.TargetConfig> targets = new ArrayList<>();
        List<ConfigNode> items = s.list("targets");
        if (items.isEmpty()) {
            p.add(s.node().location(), s.child("targets"), "at least one target is required");
        }
        for (ConfigNode item : items) {
            UpstreamConfig.TargetConfig t = readTarget(item, s);
            if (t != null) {
                targets.add(t);
            }
        }
        var balancer = s.enumValue("balancer", UpstreamConfig.Balancer.class, UpstreamConfig.Balancer.ROUND_ROBIN);
        var hostHeader = s.enumValue("host-header", UpstreamConfig.HostHeader.class,
                UpstreamConfig.HostHeader.TARGET);
        int maxConns = s.integer("max-connections-per-target", 1024, 1, 100_000);
        int maxPending = s.integer("max-pending-requests", 1024, 0, 1_000_000);
        Duration connect = s.positiveDuration("connect-timeout", Duration.ofSeconds(2));
        Duration idle = s.positiveDuration("idle-timeout", Duration.ofSeconds(30));
        CircuitBreakerConfig breaker = ResilienceReader.circuitBreaker(s);
        OutlierConfig outliers = ResilienceReader.outlierDetection(s);
        HealthCheckConfig healthCheck = ResilienceReader.healthCheck(s);
        FallbackConfig fallback = ResilienceReader.fallback(s);
        boolean panic = s.bool("panic", false);
        s.finish();
        return new UpstreamConfig(name, s.node().location(), targets, balancer, hostHeader, maxConns, maxPending,
                connect, idle, breaker, outliers, healthCheck, fallback, panic);
    }

    private static UpstreamConfig.TargetConfig readTarget(ConfigNode item, Section parent) {
        Problems p = parent.problems();
        ConfigNode.ScalarNode urlNode;
        int weight = 1;
        if (item instanceof ConfigNode.ScalarNode sn && sn.value() != null) {
            urlNode = sn;
        } else if (item instanceof ConfigNode.MapNode) {
            Section ts = Section.of(item, p);
            ConfigNode u = ts.raw("url");
            weight = ts.integer("weight", 1, 1, 1000);
            ts.finish();
            if (!(u instanceof ConfigNode.ScalarNode us) || us.value() == null) {
                p.add(item.location(), ts.child("url"), "is required");
                return null;
            }
            urlNode = us;
        } else {
            p.add(item, "expected a URL or {url, weight}, found " + item.kind());
            return null;
        }
        var uri = parent.httpUrl(urlNode);
        if (uri == null) {
            return null;
        }
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new UpstreamConfig.TargetConfig(host, port, weight, urlNode.location(), urlNode.path());
    }

    private List<FilterSpec> readFilters(Section route) {
        ConfigNode n = route.raw("filters");
        if (n == null || n instanceof ConfigNode.ScalarNode sn && sn.value() == null || skipFilters) {
            return List.of();
        }
        Section fs = Section.of(n, route.problems());
        List<FilterSpec> out = new ArrayList<>();
        // The chain order is the factories' order, whatever the YAML order.
        Set<String> named = fs.node() instanceof ConfigNode.MapNode m ? m.entries().keySet() : Set.of();
        for (FilterFactory<?> f : filters) {
            boolean implied = f.impliedBy().stream().anyMatch(named::contains);
            if (named.contains(f.name()) || implied) {
                Section section = fs.section(f.name());
                Object cfg = f.read(section);
                if (cfg != null) {
                    out.add(new FilterSpec(f, cfg, section.node().location(), section.node().path()));
                }
            }
        }
        if (fs.node() instanceof ConfigNode.MapNode m) {
            for (var e : m.entries().entrySet()) {
                if (filters.stream().noneMatch(f -> f.name().equals(e.getKey()))) {
                    route.problems().add(e.getValue().location(), fs.child(e.getKey()), "unknown filter '"
                            + e.getKey() + "' (known: " + String.join(", ", filters.stream().map(FilterFactory::name)
                            .toList()) + ")");
                    fs.raw(e.getKey());
                }
            }
        }
        return out;
    }

    /** Top-level sections of filters that have a global default ({@link FilterFactory#hasGlobalDefault()}). */
    private List<FilterSpec> readGlobalFilters(Section main) {
        List<FilterSpec> out = new ArrayList<>();
        for (FilterFactory<?> f : filters) {
            if (f.hasGlobalDefault() && main.has(f.name())) {
                Section section = main.section(f.name());
                Object cfg = f.read(section);
                if (cfg != null && !skipFilters) {
                    out.add(new FilterSpec(f, cfg, section.node().location(), section.node().path()));
                }
            }
        }
        return out;
    }

    /** {@code r} with the global defaults of the filters it does not name itself, in chain order. */
    private RouteConfig withDefaults(RouteConfig r, List<FilterSpec> defaults) {
        List<FilterSpec> chain = new ArrayList<>(r.filters());
        boolean changed = false;
        for (FilterSpec d : defaults) {
            if (chain.stream().noneMatch(f -> f.factory() == d.factory())) {
                chain.add(d);
                changed = true;
            }
        }
        if (!changed) {
            return r;
        }
        chain.sort(java.util.Comparator.comparingInt(f -> filters.indexOf(f.factory())));
        return r.withFilters(chain);
    }

    private RouteConfig readRoute(Section s) {
        Problems p = s.problems();
        String id = s.requiredString("id");
        if (id != null && !ID.matcher(id).matches()) {
            p.add(s.node().location(), s.child("id"), "'" + id + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        List<String> hosts = s.scalars("hosts", n -> {
            String h = n.value().trim().toLowerCase(Locale.ROOT);
            if (!HOST.matcher(h).matches()) {
                p.add(n, "expected a host name or *.domain, found '" + n.value() + "'");
                return null;
            }
            return h;
        });
        List<String> paths = s.scalars("paths", n -> {
            String err = PathPattern.validate(n.value());
            if (err != null) {
                p.add(n, err);
                return null;
            }
            return n.value();
        });
        if (!s.has("paths")) {
            p.add(s.node().location(), s.child("paths"), "at least one path is required (use /** for all)");
        }
        Set<String> methods = new LinkedHashSet<>(s.scalars("methods", n -> {
            String m = n.value().trim().toUpperCase(Locale.ROOT);
            if (!TOKEN.matcher(m).matches()) {
                p.add(n, "'" + n.value() + "' is not an HTTP method");
                return null;
            }
            return m;
        }));
        String upstream = s.string("upstream", null);
        MockConfig mock = s.has("mock") ? MockReader.read(s.section("mock")) : null;
        if (!s.has("mock")) {
            s.raw("mock");
        }
        BatchConfig batch = s.has("batch") ? BatchReader.read(s.section("batch")) : null;
        if (!s.has("batch")) {
            s.raw("batch");
        }
        int terminals = (upstream != null ? 1 : 0) + (mock != null ? 1 : 0) + (batch != null ? 1 : 0);
        if (terminals > 1) {
            p.add(s.node().location(), s.child(batch != null ? "batch" : "mock"),
                    "use one of upstream, mock and batch");
        } else if (terminals == 0) {
            p.add(s.node().location(), s.child("upstream"), "is required (or mock, or batch)");
        }
        ConfigNode.Location upstreamLoc = s.has("upstream") ? s.raw("upstream").location() : s.node().location();
        RouteConfig.Rewrite rewrite = null;
        String strip = s.string("strip-prefix", null);
        Section replace = s.has("replace-prefix") ? s.section("replace-prefix") : null;
        if (!s.has("replace-prefix")) {
            s.raw("replace-prefix");
        }
        if (strip != null && replace != null) {
            p.add(s.node().location(), s.child("replace-prefix"), "use strip-prefix or replace-prefix, not both");
        } else if (strip != null) {
            String err = PathPattern.validatePrefix(strip);
            if (err != null) {
                p.add(s.raw("strip-prefix"), err);
            } else {
                rewrite = new RouteConfig.Rewrite(trimSlash(strip), "");
            }
        } else if (replace != null) {
            String from = replace.requiredString("from");
            String to = replace.requiredString("to");
            replace.finish();
            if (from != null && to != null) {
                String e1 = PathPattern.validatePrefix(from);
                String e2 = PathPattern.validatePrefix(to);
                if (e1 != null) {
                    p.add(replace.raw("from"), e1);
                } else if (e2 != null) {
                    p.add(replace.raw("to"), e2);
                } else {
                    rewrite = new RouteConfig.Rewrite(trimSlash(from), trimSlash(to));
                }
            }
        }
        Duration timeout = s.positiveDuration("timeout", Duration.ofSeconds(30));
        Duration filterTimeout = s.positiveDuration("filter-timeout", Duration.ofSeconds(5));
        String group = s.string("group", null);
        boolean websocket = s.bool("websocket", false);
        Duration websocketIdle = s.positiveDuration("websocket-idle-timeout", DEFAULT_WEBSOCKET_IDLE);
        RetriesConfig retries = s.has("retries") ? RetriesReader.read(s.section("retries")) : null;
        if (!s.has("retries")) {
            s.raw("retries");
        }
        if (retries != null && (mock != null || batch != null)) {
            p.add(s.raw("retries").location(), s.child("retries"), mock != null
                    ? "a mock route has no upstream to retry"
                    : "a batch route has no upstream to retry (each item follows its own route's retries)");
        }
        List<FilterSpec> routeFilters = readFilters(s);
        CircuitBreakerConfig breaker = ResilienceReader.circuitBreaker(s);
        if (breaker != null && (mock != null || batch != null)) {
            p.add(s.raw("circuit-breaker"), mock != null
                    ? "a mock route has no upstream to guard"
                    : "a batch route has no upstream to guard (each item follows its own route's breaker)");
        }
        s.finish();
        if (id == null) {
            return null;
        }
        return new RouteConfig(id, s.node().location(), s.node().path(), hosts, paths, methods, upstream,
                upstreamLoc, rewrite, timeout, filterTimeout, group, routeFilters, websocket, websocketIdle, mock,
                batch, retries, breaker);
    }

    private static String trimSlash(String prefix) {
        return prefix.length() > 1 && prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }

    private static void validate(Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes, Problems p) {
        for (UpstreamConfig u : upstreams.values()) {
            FallbackConfig f = u.fallback();
            if (f == null || f.upstream() == null) {
                continue;
            }
            UpstreamConfig target = upstreams.get(f.upstream());
            if (target == null) {
                p.add(f.location(), f.path(), "no upstream named '" + f.upstream() + "'"
                        + Suggestions.suggestion(f.upstream(), upstreams.keySet()));
            } else if (target == u) {
                p.add(f.location(), f.path(), "an upstream cannot be its own fallback");
            } else if (target.fallback() != null && target.fallback().upstream() != null) {
                p.add(f.location(), f.path(), "upstream '" + f.upstream() + "' has a fallback upstream of its own ('"
                        + target.fallback().upstream() + "'); fallbacks do not chain");
            }
        }
        Map<String, RouteConfig> ids = new HashMap<>();
        Map<String, RouteConfig> keys = new HashMap<>();
        for (RouteConfig r : routes) {
            RouteConfig prev = ids.putIfAbsent(r.id(), r);
            if (prev != null) {
                p.add(r.location(), r.path() + ".id",
                        "route id '" + r.id() + "' is already used at " + prev.location());
            }
            if (r.upstream() != null && !upstreams.containsKey(r.upstream())) {
                p.add(r.upstreamLocation(), r.path() + ".upstream", "no upstream named '" + r.upstream() + "'"
                        + Suggestions.suggestion(r.upstream(), upstreams.keySet()));
            }
            List<String> hosts = r.hosts().isEmpty() ? List.of("") : r.hosts();
            List<String> methods = r.methods().isEmpty() ? List.of("") : List.copyOf(r.methods());
            for (String h : hosts) {
                for (String path : r.paths()) {
                    for (String m : methods) {
                        String key = h + " " + PathPattern.canonical(path) + " " + m;
                        RouteConfig other = keys.putIfAbsent(key, r);
                        if (other != null && other != r) {
                            p.add(r.location(), r.path() + ".paths", "route '" + r.id() + "' matches the same "
                                    + (h.isEmpty() ? "" : "host " + h + ", ") + "path " + path
                                    + (m.isEmpty() ? "" : " and method " + m) + " as route '" + other.id()
                                    + "' at " + other.location());
                        }
                    }
                }
            }
        }
    }
}
