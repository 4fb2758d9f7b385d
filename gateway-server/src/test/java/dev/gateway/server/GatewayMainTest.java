package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The start-up line for signals inherited as ignored (the real signals are exercised by ReloadSignalIT). */
class GatewayMainTest {

    @Test
    void anIgnoredSighupNamesItsEffectAndEveryWayOut() {
        assertThat(GatewayMain.ignoredSignalsWarning(List.of("SIGHUP", "SIGINT"))).isEqualTo("SIGHUP is ignored "
                + "(inherited from the parent process; nohup ignores SIGHUP) and the JVM cannot catch an ignored "
                + "signal: kill -HUP will not reload the configuration; reload with POST /admin/reload or the file "
                + "watcher (reload.watch), or start it with 'env --default-signal=HUP java -jar ...' (coreutils 8.31 "
                + "or later) to get it back");
    }

    @Test
    void ignoredSighupAndSigtermAreOneLine() {
        assertThat(GatewayMain.ignoredSignalsWarning(List.of("SIGHUP", "SIGTERM")))
                .startsWith("SIGHUP and SIGTERM are ignored")
                .contains("kill -TERM will neither drain nor stop it")
                .contains("env --default-signal=HUP,TERM java -jar");
    }

    @Test
    void anIgnoredSigintAloneIsABackgroundJobsNormalStateAndNoWarning() {
        assertThat(GatewayMain.ignoredSignalsWarning(List.of("SIGINT"))).isNull();
        assertThat(GatewayMain.ignoredSignalsWarning(List.of())).isNull();
    }
}
