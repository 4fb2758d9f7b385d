package dev.gateway.core.health;

/**
 * The targets whose ejections count together against {@code max-ejected}: an upstream group's
 * ({@code UpstreamGroup} implements it), so that a target's health reads its siblings without depending on the
 * upstream types.
 */
public interface EjectionPeers {

    /** How many targets there are. */
    int size();

    /** The health of target {@code i}, or null when it has none. */
    TargetHealth peerHealth(int i);
}
