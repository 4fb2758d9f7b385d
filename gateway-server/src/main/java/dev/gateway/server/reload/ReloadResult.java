package dev.gateway.server.reload;

import java.time.Instant;
import java.util.List;

/**
 * What one reload attempt did.
 *
 * @param outcome applied (the new configuration is in force), unchanged (the files are as loaded, nothing to do) or
 *     rejected (the running configuration stays in force)
 * @param version the version in force afterwards
 * @param previousVersion the version in force before
 * @param errors every problem of a rejected configuration, as {@code file:line: key.path: message}
 * @param restartNeeded settings that differ from what the process was started with and apply only after a restart
 *     (listeners, io threads); everything else applied
 * @param cpuNanos CPU time the reloading thread spent on this attempt (load, validation, compile, swap)
 */
public record ReloadResult(Outcome outcome, String trigger, Instant at, String version, String previousVersion,
        List<String> errors, List<String> restartNeeded, long cpuNanos) {

    public enum Outcome { APPLIED, UNCHANGED, REJECTED }

    public ReloadResult {
        errors = List.copyOf(errors);
        restartNeeded = List.copyOf(restartNeeded);
    }
}
