package dev.gateway.core.upstream;

/**
 * Chooses the target of one attempt of a request to an upstream group. The balanced selector is the group's load
 * balancer; {@link HealthSelector} adds health and circuit-breaker state (skips what is
 * unhealthy, ejected or open, and prefers a target other than the previous attempt's). Called on the request's
 * event loop; must not block.
 */
@FunctionalInterface
public interface TargetSelector {

    /**
     * The target for this attempt. {@code previous} is the target of the attempt that failed before it (a retry), or
     * null for the first attempt. Returns null when no target can take the request (every breaker open, every
     * target unhealthy or ejected): the caller then uses the group's fallback or answers 503.
     */
    Target select(UpstreamGroup group, Target previous);

    /** The group's load balancer; a retry goes to another target than the previous attempt's when there is one. */
    TargetSelector BALANCED = (group, previous) -> previous == null ? group.pick() : group.pickOther(previous);
}
