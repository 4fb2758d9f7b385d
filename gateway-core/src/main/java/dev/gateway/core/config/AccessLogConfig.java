package dev.gateway.core.config;

/**
 * Access log: one line per request on the {@code gateway.access} logger, as {@code key=value} text or JSON, to
 * stdout or to a size- and day-rolled file.
 */
public record AccessLogConfig(boolean enabled, Format format, Output output, String file,
        @Binder.Bytes(min = 1 << 20, max = 1L << 40) long maxFileSize, @Binder.Range(min = 1, max = 3650) int maxHistory) {

    public enum Format { TEXT, JSON }

    public enum Output { STDOUT, FILE }

    /** Enabled, text, stdout. */
    public static AccessLogConfig defaults() {
        return new AccessLogConfig(true, Format.TEXT, Output.STDOUT, "logs/access.log", 100L << 20, 7);
    }
}
