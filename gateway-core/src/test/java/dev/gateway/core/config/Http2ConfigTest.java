package dev.gateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server.http2}: its keys, defaults and located errors. */
class Http2ConfigTest {
    @TempDir
    Path dir;

    private Http2Config load(String yaml) throws Exception {
        Files.writeString(dir.resolve("gateway.yml"), yaml);
        return new ConfigLoader(k -> null).load(dir.resolve("gateway.yml")).server().http2();
    }

    private List<String> errors(String yaml) throws Exception {
        Files.writeString(dir.resolve("gateway.yml"), yaml);
        try {
            new ConfigLoader(k -> null).load(dir.resolve("gateway.yml"));
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        }
        throw new AssertionError("expected the configuration to be rejected");
    }

    private String at(int line) {
        return dir.resolve("gateway.yml") + ":" + line;
    }

    @Test
    void defaultsWhenAbsent() throws Exception {
        Http2Config c = load("");

        assertThat(c).isEqualTo(Http2Config.defaults());
        assertThat(c.enabled()).isTrue();
        assertThat(c.cleartext()).isEqualTo(Http2Config.Cleartext.OFF);
        assertThat(c.maxConcurrentStreams()).isEqualTo(100);
        assertThat(c.maxHeaderListSize()).isEqualTo(16 * 1024);
        assertThat(c.initialWindowSize()).isEqualTo(1024 * 1024);
        assertThat(c.maxResets()).isEqualTo(new Http2Config.MaxResets(200, Duration.ofSeconds(30)));
    }

    @Test
    void bindsEveryKey() throws Exception {
        Http2Config c = load("""
                server:
                  http2:
                    enabled: false
                    cleartext: prior-knowledge
                    max-concurrent-streams: 50
                    max-header-list-size: 32KiB
                    initial-window-size: 256KiB
                    max-resets: {count: 100, window: 1m}
                    max-empty-data-frames: 3
                    max-small-continuation-frames: 4
                    max-queued-control-frames: 500
                    premature-resets: {min-streams: 20, percent: 80}
                """);

        assertThat(c).isEqualTo(new Http2Config(false, Http2Config.Cleartext.PRIOR_KNOWLEDGE, 50, 32 * 1024,
                256 * 1024, new Http2Config.MaxResets(100, Duration.ofMinutes(1)), 3, 4, 500,
                new Http2Config.PrematureResets(20, 80)));
        assertThat(c.maxResets().windowSeconds()).isEqualTo(60);
    }

    @Test
    void cleartextOffIsTheWordNotABoolean() throws Exception {
        assertThat(load("server: {http2: {cleartext: off}}").cleartext()).isEqualTo(Http2Config.Cleartext.OFF);
    }

    @Test
    void unknownCleartextModeIsALocatedError() throws Exception {
        assertThat(errors("""
                server:
                  http2:
                    cleartext: sideways
                """)).singleElement().asString().startsWith(at(3) + ": server.http2.cleartext: ")
                .contains("prior-knowledge");
    }

    @Test
    void upgradeBinds() throws Exception {
        assertThat(load("server: {http2: {cleartext: upgrade}}").cleartext()).isEqualTo(Http2Config.Cleartext.UPGRADE);
    }

    @Test
    void windowBelowTheProtocolMinimumIsALocatedError() throws Exception {
        assertThat(errors("""
                server:
                  http2:
                    initial-window-size: 1KiB
                """)).singleElement().asString().startsWith(at(3) + ": server.http2.initial-window-size: ");
    }

    @Test
    void resetWindowInMillisecondsIsALocatedError() throws Exception {
        assertThat(errors("""
                server:
                  http2:
                    max-resets: {count: 10, window: 1500ms}
                """)).singleElement().asString().startsWith(at(3) + ": server.http2.max-resets.window: ")
                .contains("whole number of seconds");
    }

    @Test
    void zeroConcurrentStreamsIsALocatedError() throws Exception {
        assertThat(errors("""
                server:
                  http2:
                    max-concurrent-streams: 0
                """)).singleElement().asString().startsWith(at(3) + ": server.http2.max-concurrent-streams: ");
    }
}
