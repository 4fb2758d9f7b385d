package dev.gateway.core.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Binds a located YAML mapping ({@link ConfigNode}) to a record, by component name: the key {@code max-body-size}
 * is the component {@code maxBodySize}. Every problem is recorded in {@link Problems} with its file, line and key
 * path, and binding goes on with the component's default, so one pass finds every error. Unknown keys are errors
 * with a "did you mean" hint. After a record is built, {@link Validated#validate} checks its cross-field rules.
 * The problems of one {@link #bind} are reported in document order.
 *
 * <p>Component types: {@code String}, {@code byte[]} (its UTF-8 bytes), {@code int}, {@code long}, {@code double}, {@code boolean} (and their boxes),
 * {@link Duration} ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}), {@link java.nio.file.Path},
 * {@link java.util.regex.Pattern} (compiled at load), {@link java.time.ZoneId} ({@code Asia/Shanghai}), enums
 * ({@code least-requests} is {@code LEAST_REQUESTS}), {@code List}, {@code Set}, {@code Map<String, T>}, nested
 * records, {@link ConfigNode} (the raw node, for a record to read itself), {@link ConfigNode.Location} (where the
 * record's mapping is, or with a {@link Key} where that key is), a {@link Name} (the record's key in a map), a
 * {@link KeyPath} (the mapping's key path), an {@link Unbound} component (its key is allowed, its value built later), a sealed interface of records (a "one of" shape: the mapping's {@link Tag} key picks the
 * record, or with no tag key the record that has none), and any type with a static {@code of(String)} or {@code of(String, T default)} factory that throws
 * {@link IllegalArgumentException} with the message to report (a {@link Shorthand} record also binds from a
 * mapping), or a static {@code of(ConfigNode.ScalarNode, Problems)} that records its own located problems (a file it
 * names, read line by line) and returns null. A scalar where a list is expected is a one-item list. Of components
 * marked {@link OneOf} with the same group, the mapping must have exactly one.
 *
 * <p>A canonical constructor that throws {@link IllegalArgumentException} rejects the record; a message that starts
 * with a key of the record ({@code "burst: 10 is below replenish-per-second 100"}) is located at that key, and a
 * {@link Checks.Failure} reports each of its problems at its own key.
 *
 * <p>Defaults: an absent key (or YAML null) takes the component's value from the record's static {@code defaults()}
 * when it has one; otherwise it is empty for collections, 0 or false for primitives, and null for the rest.
 * Why this binder rather than Jackson's: see {@code docs/config-binding.md}. Used at load only, off the event loops.
 */
public final class Binder {
    private static final Map<Class<?>, Object> DEFAULTS = new ConcurrentHashMap<>();
    private static final Object NONE = new Object();
    private static final java.util.regex.Pattern PERCENT = java.util.regex.Pattern.compile("(\\d{1,3})\\s*%?");

    private Binder() {}

    /** The YAML key is not the kebab-case form of the component's name. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface Key {
        String value();
    }

    /**
     * Not a key: the key under which the record's mapping sits in a {@code Map<String, R>} (an upstream's name), or
     * the name given to {@link #bind(ConfigNode, String, Class, Problems)}.
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface Name {}

    /** Not a key: the key path of the record's mapping ({@code routes[2]}), for messages about the record. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface KeyPath {}

    /**
     * A key the binder accepts but does not bind: the component takes its default, and the caller builds it from the
     * key's node after binding (a route's {@code filters}, which the filter factories read).
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface Unbound {}

    /** The key must be present (and, for a string, not blank). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface Required {}

    /** An integer in {@code [min, max]}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface Range {
        long min();

        long max();
    }

    /** A byte size ({@code 8192}, {@code 16KB}, {@code 10MiB}; K/M/G are powers of 1024) in {@code [min, max]}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface Bytes {
        long min();

        long max();
    }

    /** A record whose static {@code of(String)} is a shorthand: it binds from a scalar or from a mapping. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    public @interface Shorthand {}

    /** An integer percentage, {@code 50%} or {@code 50}, in {@code [min, 100]}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface Percent {
        int min();
    }

    /** A duration above zero. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface Positive {}

    /**
     * A key that selects this record among the records a sealed interface permits: a mapping bound to the interface
     * must have exactly one of the tag keys of all of them, and binds to the record that declares it.
     */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface Tag {}

    /** Components of one group, of which the mapping must have exactly one key ({@code values} or {@code pattern}). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    public @interface OneOf {
        /** The group's name; components with the same name are one group. */
        String value();
    }

    /** A record with rules across its components, checked after it is bound. */
    public interface Validated {
        /**
         * Records what is wrong; {@code problems} locates {@link Problems#add(String, String) add(key, message)} at
         * the key inside this record's mapping.
         */
        void validate(Problems problems);
    }

    /**
     * Binds {@code node}, which must be a mapping (or null/absent: the record's defaults), to {@code type}. Returns
     * the record, or null when it could not be built (the problems say why).
     */
    public static <T> T bind(ConfigNode node, Class<T> type, Problems problems) {
        return bind(node, null, type, problems);
    }

    /** {@link #bind(ConfigNode, Class, Problems)} with {@code name} for the record's {@link Name} component. */
    public static <T> T bind(ConfigNode node, String name, Class<T> type, Problems problems) {
        if (!type.isRecord()) {
            throw new IllegalArgumentException(type.getName() + " is not a record");
        }
        int mark = problems.mark();
        T record = type.cast(bindRecord(node, type, problems, name));
        problems.sortSince(mark);
        return record;
    }

    /** The YAML key of a record component. */
    public static String key(RecordComponent c) {
        Key k = c.getAnnotation(Key.class);
        return k != null ? k.value() : kebab(c.getName());
    }

    static String kebab(String camel) {
        StringBuilder sb = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char ch = camel.charAt(i);
            if (Character.isUpperCase(ch)) {
                sb.append('-').append(Character.toLowerCase(ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    private static Object bindRecord(ConfigNode node, Class<?> type, Problems problems, String name) {
        ConfigNode.MapNode map;
        if (node instanceof ConfigNode.MapNode m) {
            map = m;
        } else if (node instanceof ConfigNode.ScalarNode s && s.value() == null) {
            map = new ConfigNode.MapNode(s.location(), s.path(), Map.of());
        } else {
            problems.add(node, "expected a mapping, found " + node.kind());
            Object d = defaults(type);
            return d == NONE ? null : d;
        }
        RecordComponent[] components = type.getRecordComponents();
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (RecordComponent c : components) {
            OneOf g = c.getAnnotation(OneOf.class);
            if (g != null) {
                groups.computeIfAbsent(g.value(), k -> new ArrayList<>()).add(key(c));
            }
        }
        boolean oneOfHolds = true;
        for (List<String> keys : groups.values()) {
            oneOfHolds &= exactlyOne(map, keys, problems) != null;
        }
        Object defaults = defaults(type);
        Object[] args = new Object[components.length];
        Set<String> known = new LinkedHashSet<>();
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            String key = key(c);
            Object def = defaults == NONE ? emptyValue(c.getType()) : get(c, defaults);
            if (c.getType() == ConfigNode.Location.class) {
                // Where the mapping is or, with a @Key, where that key is (the mapping's line when it is absent).
                ConfigNode at = c.isAnnotationPresent(Key.class) ? map.entries().get(key) : null;
                args[i] = at != null ? at.location() : map.location();
                continue;
            }
            if (c.isAnnotationPresent(Name.class) || c.isAnnotationPresent(KeyPath.class)) {
                args[i] = c.isAnnotationPresent(Name.class) ? name : map.path();
                continue;
            }
            known.add(key);
            if (c.isAnnotationPresent(Unbound.class)) {
                args[i] = def;
                continue;
            }
            ConfigNode child = map.entries().get(key);
            boolean absent = child == null || child instanceof ConfigNode.ScalarNode s && s.value() == null;
            if (absent) {
                if (c.isAnnotationPresent(Required.class)) {
                    problems.add(map.location(), child(map, key), "is required");
                }
                args[i] = def;
            } else if (c.getType() == ConfigNode.class) {
                args[i] = child;
            } else {
                Object v = value(child, c.getGenericType(), c, def, problems, null);
                if (v instanceof String str && str.isBlank() && c.isAnnotationPresent(Required.class)) {
                    problems.add(map.location(), child(map, key), "is required");
                }
                args[i] = v == null ? def : v;
            }
        }
        Object record = oneOfHolds ? construct(type, args, map, known, problems) : null;
        if (record instanceof Validated v) {
            v.validate(problems.at(map));
        }
        for (var e : map.entries().entrySet()) {
            if (!known.contains(e.getKey())) {
                problems.add(e.getValue().location(), child(map, e.getKey()), "unknown key '" + e.getKey() + "'"
                        + Suggestions.suggestion(e.getKey(), known));
            }
        }
        return record;
    }

    /**
     * The one key of {@code keys} that {@code map} has, or null when it has none or several (a problem at the
     * mapping names them).
     */
    private static String exactlyOne(ConfigNode.MapNode map, List<String> keys, Problems problems) {
        List<String> found = new ArrayList<>();
        for (String k : keys) {
            ConfigNode n = map.entries().get(k);
            if (n != null && !(n instanceof ConfigNode.ScalarNode s && s.value() == null)) {
                found.add(k);
            }
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        String all = String.join(", ", keys.subList(0, keys.size() - 1)) + " or " + keys.get(keys.size() - 1);
        problems.add(map, found.isEmpty() ? "needs one of " + all
                : "has exactly one of " + all + ", found " + String.join(" and ", found));
        return null;
    }

    /**
     * A sealed interface of records: the mapping binds to the record whose {@link Tag} key it has, or, with no tag key,
     * to the one record without a tag, if there is one. With no tag key and no such record, or several tag keys, the
     * mapping's other keys are not checked (which record they belong to is unknown).
     */
    private static Object bindOneOf(ConfigNode node, Class<?> type, Problems problems) {
        if (!(node instanceof ConfigNode.MapNode map)) {
            problems.add(node, "expected a mapping, found " + node.kind());
            return null;
        }
        Map<String, Class<?>> byTag = new LinkedHashMap<>();
        Class<?> untagged = null;
        for (Class<?> r : type.getPermittedSubclasses()) {
            if (!r.isRecord()) {
                throw new IllegalStateException(type.getName() + " permits " + r.getName() + ", not a record");
            }
            for (RecordComponent c : r.getRecordComponents()) {
                if (c.isAnnotationPresent(Tag.class)) {
                    byTag.put(key(c), r);
                }
            }
            untagged = byTag.containsValue(r) ? untagged : r;
        }
        if (untagged != null && byTag.keySet().stream().noneMatch(k -> map.entries().get(k) != null)) {
            return bindRecord(map, untagged, problems, null);
        }
        String tag = exactlyOne(map, List.copyOf(byTag.keySet()), problems);
        return tag == null ? null : bindRecord(map, byTag.get(tag), problems, null);
    }

    private static Object construct(Class<?> type, Object[] args, ConfigNode.MapNode map, Set<String> known,
            Problems problems) {
        try {
            return canonical(type).newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Checks.Failure f) {
                f.entries().forEach(c -> problems.at(map).add(c.key(), c.message()));
                return null;
            }
            if (e.getCause() instanceof IllegalArgumentException iae) {
                // "burst: 10 is below replenish-per-second 100" is located at the key it names.
                String m = String.valueOf(iae.getMessage());
                int colon = m.indexOf(": ");
                if (colon > 0 && known.contains(m.substring(0, colon))) {
                    problems.at(map).add(m.substring(0, colon), m.substring(colon + 2));
                } else {
                    problems.add(map, m);
                }
                return null;
            }
            throw new IllegalStateException("cannot build " + type.getName(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type.getName(), e);
        }
    }

    private static String child(ConfigNode.MapNode map, String key) {
        return map.path().isEmpty() ? key : map.path() + "." + key;
    }

    /** The bound value, or null when the node is wrong (the problem is recorded) so that the default applies. */
    private static Object value(ConfigNode node, Type type, RecordComponent c, Object def, Problems problems,
            String name) {
        Class<?> raw = rawClass(type);
        if (raw == ConfigNode.class) {
            return node;
        }
        if (raw == List.class || raw == Set.class) {
            Type item = ((ParameterizedType) type).getActualTypeArguments()[0];
            List<ConfigNode> items;
            if (node instanceof ConfigNode.ListNode l) {
                items = l.items();
            } else if (node instanceof ConfigNode.ScalarNode) {
                items = List.of(node);
            } else {
                problems.add(node, "expected a list, found " + node.kind());
                return null;
            }
            List<Object> out = new ArrayList<>(items.size());
            for (ConfigNode n : items) {
                Object v = value(n, item, c, null, problems, null); // a collection's annotations apply to its items
                if (v != null) {
                    out.add(v);
                }
            }
            return raw == List.class ? List.copyOf(out) : Collections.unmodifiableSet(new LinkedHashSet<>(out));
        }
        if (raw == Map.class) {
            Type item = ((ParameterizedType) type).getActualTypeArguments()[1];
            if (!(node instanceof ConfigNode.MapNode m)) {
                problems.add(node, "expected a mapping, found " + node.kind());
                return null;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (var e : m.entries().entrySet()) {
                Object v = value(e.getValue(), item, c, null, problems, e.getKey());
                if (v != null) {
                    out.put(e.getKey(), v);
                }
            }
            return Collections.unmodifiableMap(out);
        }
        if (raw.isInterface() && raw.isSealed()) {
            return bindOneOf(node, raw, problems);
        }
        if (raw.isRecord() && (!hasFactory(raw)
                || node instanceof ConfigNode.MapNode && raw.isAnnotationPresent(Shorthand.class))) {
            return bindRecord(node, raw, problems, name);
        }
        if (!(node instanceof ConfigNode.ScalarNode s) || s.value() == null) {
            problems.add(node, "expected a scalar, found " + node.kind());
            return null;
        }
        return scalar(s, raw, c, def, problems);
    }

    private static Object scalar(ConfigNode.ScalarNode s, Class<?> type, RecordComponent c, Object def,
            Problems problems) {
        String text = s.value();
        if (type == String.class) {
            return text;
        }
        if (type == byte[].class) {
            return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        Bytes bytes = c == null ? null : c.getAnnotation(Bytes.class);
        if (bytes != null) {
            Long v = Section.parseSize(s, bytes.min(), bytes.max(), problems);
            return v == null ? null : type == int.class || type == Integer.class ? (Object) v.intValue() : v;
        }
        Percent percent = c == null ? null : c.getAnnotation(Percent.class);
        if (percent != null) {
            java.util.regex.Matcher m = PERCENT.matcher(text.trim());
            int p = m.matches() ? Integer.parseInt(m.group(1)) : -1;
            if (p < percent.min() || p > 100) {
                problems.add(s, "expected a percentage in " + percent.min() + "%..100%, found '" + text + "'");
                return null;
            }
            return p;
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            Range r = c == null ? null : c.getAnnotation(Range.class);
            boolean isInt = type == int.class || type == Integer.class;
            long min = r != null ? r.min() : isInt ? Integer.MIN_VALUE : Long.MIN_VALUE;
            long max = r != null ? r.max() : isInt ? Integer.MAX_VALUE : Long.MAX_VALUE;
            try {
                long v = isInt ? Integer.parseInt(text.trim()) : Long.parseLong(text.trim());
                if (v < min || v > max) {
                    problems.add(s, v + " is out of range [" + min + ", " + max + "]");
                    return null;
                }
                return isInt ? (Object) (int) v : (Object) v;
            } catch (NumberFormatException e) {
                problems.add(s, "expected an integer, found '" + text + "'");
                return null;
            }
        }
        if (type == double.class || type == Double.class) {
            try {
                return Double.parseDouble(text.trim());
            } catch (NumberFormatException e) {
                problems.add(s, "expected a number, found '" + text + "'");
                return null;
            }
        }
        if (type == boolean.class || type == Boolean.class) {
            Boolean b = Section.parseBoolean(text);
            if (b == null) {
                problems.add(s, "expected true or false, found '" + text + "'");
            }
            return b;
        }
        if (type == Duration.class) {
            Duration d = Section.parseDuration(text.trim());
            if (d == null) {
                problems.add(s, "expected a duration such as 500ms, 30s, 5m, found '" + text + "'");
                return null;
            }
            if (c != null && c.isAnnotationPresent(Positive.class) && (d.isZero() || d.isNegative())) {
                problems.add(s, "must be above 0");
                return null;
            }
            return d;
        }
        if (type.isEnum()) {
            return enumValue(s, type.asSubclass(Enum.class), problems);
        }
        if (type == java.time.ZoneId.class) {
            try {
                return java.time.ZoneId.of(text.trim());
            } catch (java.time.DateTimeException e) {
                problems.add(s, "unknown time zone (use a region such as Asia/Shanghai, or UTC)");
                return null;
            }
        }
        if (type == java.util.regex.Pattern.class) {
            try {
                return java.util.regex.Pattern.compile(text);
            } catch (java.util.regex.PatternSyntaxException e) {
                problems.add(s, "invalid regular expression: " + e.getDescription() + " near index " + e.getIndex());
                return null;
            }
        }
        if (type == java.nio.file.Path.class) {
            try {
                return java.nio.file.Path.of(text.trim());
            } catch (java.nio.file.InvalidPathException e) {
                problems.add(s, "invalid file name '" + text + "': " + e.getReason());
                return null;
            }
        }
        return custom(s, type, def, problems);
    }

    private static <E extends Enum<E>> E enumValue(ConfigNode.ScalarNode s, Class<E> type, Problems problems) {
        String wanted = s.value().trim().replace('-', '_').toUpperCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(wanted)) {
                return e;
            }
        }
        problems.add(s, "expected one of " + Section.enumNames(type) + ", found '" + s.value() + "'");
        return null;
    }

    private static Object custom(ConfigNode.ScalarNode s, Class<?> type, Object def, Problems problems) {
        try {
            Method located = staticOf(type, ConfigNode.ScalarNode.class, Problems.class);
            if (located != null) {
                return located.invoke(null, s, problems);
            }
            Method withDefault = staticOf(type, String.class, type);
            Method plain = staticOf(type, String.class);
            if (withDefault == null && plain == null) {
                throw new IllegalStateException(type.getName() + " has no static of(String) to bind it with");
            }
            return withDefault != null ? withDefault.invoke(null, s.value(), def) : plain.invoke(null, s.value());
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                problems.add(s, iae.getMessage());
                return null;
            }
            throw new IllegalStateException("cannot bind " + type.getName(), e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot bind " + type.getName(), e);
        }
    }

    private static boolean hasFactory(Class<?> type) {
        return staticOf(type, ConfigNode.ScalarNode.class, Problems.class) != null
                || staticOf(type, String.class, type) != null || staticOf(type, String.class) != null;
    }

    /** {@code static T of(params...)} declared by {@code type}, made accessible, or null when it has none. */
    private static Method staticOf(Class<?> type, Class<?>... params) {
        try {
            Method m = type.getDeclaredMethod("of", params);
            if (!Modifier.isStatic(m.getModifiers()) || m.getReturnType() != type) {
                return null;
            }
            m.setAccessible(true);
            return m;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        throw new IllegalStateException("cannot bind the type " + type);
    }

    private static Object emptyValue(Class<?> type) {
        if (type == List.class) {
            return List.of();
        }
        if (type == Set.class) {
            return Set.of();
        }
        if (type == Map.class) {
            return Map.of();
        }
        if (type == boolean.class) {
            return false;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == double.class) {
            return 0.0;
        }
        return null;
    }

    /** The record's {@code defaults()}, or {@link #NONE}. */
    private static Object defaults(Class<?> type) {
        return DEFAULTS.computeIfAbsent(type, t -> {
            try {
                Method m = t.getDeclaredMethod("defaults");
                if (!Modifier.isStatic(m.getModifiers()) || m.getReturnType() != t) {
                    return NONE;
                }
                m.setAccessible(true);
                return m.invoke(null);
            } catch (NoSuchMethodException e) {
                return NONE;
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot call " + t.getName() + ".defaults()", e);
            }
        });
    }

    private static Object get(RecordComponent c, Object record) {
        try {
            Method accessor = c.getAccessor();
            accessor.setAccessible(true);
            return accessor.invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + c, e);
        }
    }

    private static Constructor<?> canonical(Class<?> type) throws NoSuchMethodException {
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
        }
        Constructor<?> ctor = type.getDeclaredConstructor(types);
        ctor.setAccessible(true);
        return ctor;
    }
}
