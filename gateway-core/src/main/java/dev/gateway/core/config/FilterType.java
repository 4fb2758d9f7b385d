package dev.gateway.core.config;

import java.util.List;

/**
 * A kind of filter as the configuration sees it: its YAML name under a route's {@code filters}, how its section is
 * read, and which routes get it without naming it. The filter factories implement it; the configuration knows no
 * filter classes. Called at load, off the event loops.
 *
 * @param <C> the immutable config record of this filter
 */
public interface FilterType<C> {

    /** The YAML name under a route's {@code filters}, e.g. {@code hmac-auth}. */
    String name();

    /** The record this filter's section binds to ({@link Binder}: defaults, ranges, {@code validate}). */
    Class<C> configType();

    /**
     * This filter's config from its section at {@code section} (an empty mapping when the filter is implied), bound
     * to {@link #configType()}; problems are recorded in {@code problems}, each located. Null when the section is
     * unusable (the problems say why).
     */
    default C read(ConfigNode section, Problems problems) {
        return Binder.bind(section, configType(), problems);
    }

    /**
     * Filters whose presence on a route switches this one on with its defaults (authorization is implied by
     * hmac-auth: an authenticated app may only call routes it is allowed to).
     */
    default List<String> impliedBy() {
        return List.of();
    }

    /**
     * The config this filter gets on {@code route} when the route does not name it under {@code filters} but another
     * part of the whole configuration selects the route (a {@code limits:} entry names its routes), or null when
     * nothing does (the default). Asked once per route after every file is read and checked, off the event loops;
     * the filter then takes its place in the chain order like a named one. Routes it returns null for pay nothing.
     */
    default C selectedBy(GatewayConfig config, RouteConfig route) {
        return null;
    }

    /**
     * True if the main gateway.yml may hold a top-level section named {@link #name()}: its config applies to every
     * route whose {@code filters} do not name this filter (a route's own section replaces it, never merges with it).
     */
    default boolean hasGlobalDefault() {
        return false;
    }
}
