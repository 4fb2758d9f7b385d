package dev.gateway.core.testing;

import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assertions;
import org.opentest4j.TestAbortedException;

/**
 * What a test needs from the machine (a binary such as {@code redis-server} or {@code promtool}, a browser that
 * starts, the built jar). Where it is missing the test is skipped, saying why, on a developer's machine, and fails on
 * CI ({@code CI=true}, as GitHub Actions and {@code .ci/run} set it): there every package is installed by
 * {@code .ci/run}, and a skip would report a green build for a test that never ran. This is the only place a test
 * may skip; {@code NoSkipOutsideNeedsTest} keeps it so.
 */
public final class Needs {
    private Needs() {}

    /** Returns when {@code met}; otherwise skips (locally) or fails (on CI) with {@code why}. */
    public static void require(boolean met, Supplier<String> why) {
        require(met, why, System.getenv());
    }

    /** {@link #require(boolean, Supplier)} with the environment given (tests). */
    static void require(boolean met, Supplier<String> why, Map<String, String> env) {
        if (met) {
            return;
        }
        String reason = why.get();
        if (onCi(env)) {
            Assertions.fail(reason + " (on CI, CI=" + env.get("CI") + ", this fails instead of skipping: "
                    + ".ci/run installs what the tests need)");
        }
        throw new TestAbortedException("skipped: " + reason);
    }

    /** Whether the environment says this is a CI run: {@code CI} is {@code true} (any case) or {@code 1}. */
    static boolean onCi(Map<String, String> env) {
        String ci = env.get("CI");
        return ci != null && (ci.trim().toLowerCase(Locale.ROOT).equals("true") || ci.trim().equals("1"));
    }
}
