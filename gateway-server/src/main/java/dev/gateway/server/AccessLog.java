package dev.gateway.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.gateway.core.config.AccessLogConfig;
import dev.gateway.core.exchange.ExchangeLog;
import dev.gateway.core.exchange.ExchangeRecord;
import dev.gateway.core.exchange.WebSocketSession;
import java.time.Instant;
import org.slf4j.LoggerFactory;

/**
 * One line per request on the {@code gateway.access} logger, as {@code key=value} text or as a JSON object. To
 * stdout, logback.xml sends it through an {@code AsyncAppender} with {@code neverBlock=true}; to a file, this class
 * installs a rolling file appender behind such an async appender. Either way the event loop never waits for I/O.
 * Query strings and credentials are never logged.
 *
 * <p>A service: whether it logs and in which format follow the configuration each request started with; a reload
 * that changes the output file installs the new appender ({@link #apply}).
 */
public final class AccessLog implements ExchangeLog {
    private static final org.slf4j.Logger logger = LoggerFactory.getLogger("gateway.access");

    private AccessLogConfig output;
    private Runnable onClose = () -> { };

    private AccessLog() {}

    /** An access log as configured; a file output installs its appenders now. */
    public static AccessLog create(AccessLogConfig config) {
        AccessLog log = new AccessLog();
        log.apply(config);
        return log;
    }

    /** Takes the output of a configuration being loaded: reinstalls the file appender if file settings changed. */
    public synchronized void apply(AccessLogConfig config) {
        AccessLogConfig was = output;
        boolean toFile = config.enabled() && config.output() == AccessLogConfig.Output.FILE;
        boolean wasToFile = was != null && was.enabled() && was.output() == AccessLogConfig.Output.FILE;
        if (toFile == wasToFile && (!toFile || sameFile(was, config))) {
            output = config;
            return;
        }
        onClose.run();
        onClose = () -> { };
        if (toFile && LoggerFactory.getILoggerFactory() instanceof LoggerContext lc) {
            onClose = installFileAppender(lc, config);
        }
        output = config;
    }

    private static boolean sameFile(AccessLogConfig a, AccessLogConfig b) {
        return a.file().equals(b.file()) && a.maxFileSize() == b.maxFileSize() && a.maxHistory() == b.maxHistory();
    }

    private static Runnable installFileAppender(LoggerContext lc, AccessLogConfig config) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(lc);
        encoder.setPattern("%msg%n");
        encoder.start();
        RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
        file.setContext(lc);
        file.setName("ACCESS_FILE");
        file.setFile(config.file());
        SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
        policy.setContext(lc);
        policy.setParent(file);
        policy.setFileNamePattern(config.file() + ".%d{yyyy-MM-dd}.%i.gz");
        policy.setMaxFileSize(new FileSize(config.maxFileSize()));
        policy.setMaxHistory(config.maxHistory());
        policy.start();
        file.setRollingPolicy(policy);
        file.setEncoder(encoder);
        file.start();
        ch.qos.logback.classic.AsyncAppender async = new ch.qos.logback.classic.AsyncAppender();
        async.setContext(lc);
        async.setName("ACCESS_FILE_ASYNC");
        async.setQueueSize(8192);
        async.setDiscardingThreshold(0);
        async.setNeverBlock(true);
        async.addAppender(file);
        async.start();
        Logger access = lc.getLogger("gateway.access");
        access.detachAndStopAllAppenders();
        access.setAdditive(false);
        access.addAppender(async);
        return () -> {
            access.detachAppender(async);
            async.stop();
        };
    }

    @Override
    public boolean isEnabled(AccessLogConfig settings) {
        return settings.enabled() && logger.isInfoEnabled();
    }

    @Override
    public void log(ExchangeRecord ex) {
        boolean json = ex.accessLog().format() == AccessLogConfig.Format.JSON;
        String requestId = ex.requestId();
        String traceId = ex.traceId();
        String client = ex.client();
        String method = ex.method();
        String path = ex.path();
        String route = ex.route();
        String variant = ex.variant();
        String app = ex.app();
        String target = ex.target();
        int status = ex.status();
        long bytesIn = ex.bytesIn();
        long bytesOut = ex.bytesOut();
        long totalNanos = ex.totalNanos();
        long upstreamNanos = ex.upstreamNanos();
        StringBuilder sb = new StringBuilder(320);
        if (json) {
            JsonStringEncoder enc = JsonStringEncoder.getInstance();
            sb.append("{\"time\":\"").append(Instant.now()).append('"');
            field(sb, enc, "request_id", requestId);
            field(sb, enc, "trace_id", traceId);
            field(sb, enc, "client", client);
            field(sb, enc, "method", method);
            field(sb, enc, "path", path);
            field(sb, enc, "route", route);
            field(sb, enc, "variant", variant);
            field(sb, enc, "app", app);
            field(sb, enc, "upstream", target);
            sb.append(",\"status\":").append(status)
                    .append(",\"bytes_in\":").append(bytesIn)
                    .append(",\"bytes_out\":").append(bytesOut)
                    .append(",\"total_ms\":");
            millis(sb, totalNanos);
            sb.append(",\"upstream_ms\":");
            if (upstreamNanos < 0) {
                sb.append("null");
            } else {
                millis(sb, upstreamNanos);
            }
            if (ex.limit() != null) {
                field(sb, enc, "limit", ex.limit());
            }
            if (ex.attempts() > 1) {
                sb.append(",\"attempts\":").append(ex.attempts());
            }
            sb.append('}');
        } else {
            sb.append("request_id=").append(requestId)
                    .append(" trace_id=").append(dash(traceId))
                    .append(" client=").append(client)
                    .append(" method=").append(method)
                    .append(" path=").append(path)
                    .append(" route=").append(dash(route))
                    .append(" variant=").append(dash(variant))
                    .append(" app=").append(dash(app))
                    .append(" upstream=").append(dash(target))
                    .append(" status=").append(status)
                    .append(" bytes_in=").append(bytesIn)
                    .append(" bytes_out=").append(bytesOut)
                    .append(" total_ms=");
            millis(sb, totalNanos);
            sb.append(" upstream_ms=");
            if (upstreamNanos < 0) {
                sb.append('-');
            } else {
                millis(sb, upstreamNanos);
            }
            if (ex.limit() != null) {
                sb.append(" limit=").append(ex.limit());
            }
            if (ex.attempts() > 1) {
                sb.append(" attempts=").append(ex.attempts());
            }
        }
        logger.info(sb.toString());
    }

    /**
     * The close line of a relayed WebSocket, after the handshake's own line (status=101) with the same request id:
     * {@code request_id=... event=websocket_close client=... path=... route=... upstream=... closed_by=client
     * duration_ms=... bytes_client_to_upstream=... bytes_upstream_to_client=...}, or the same fields as JSON.
     */
    @Override
    public void webSocketClosed(WebSocketSession s, WebSocketSession.CloseCause cause, long bytesClientToUpstream,
            long bytesUpstreamToClient, long durationNanos) {
        StringBuilder sb = new StringBuilder(256);
        if (s.accessLog().format() == AccessLogConfig.Format.JSON) {
            JsonStringEncoder enc = JsonStringEncoder.getInstance();
            sb.append("{\"time\":\"").append(Instant.now()).append('"');
            field(sb, enc, "request_id", s.requestId());
            field(sb, enc, "event", "websocket_close");
            field(sb, enc, "client", s.client());
            field(sb, enc, "path", s.path());
            field(sb, enc, "route", s.route());
            field(sb, enc, "upstream", s.target());
            field(sb, enc, "closed_by", cause.text());
            sb.append(",\"duration_ms\":");
            millis(sb, durationNanos);
            sb.append(",\"bytes_client_to_upstream\":").append(bytesClientToUpstream)
                    .append(",\"bytes_upstream_to_client\":").append(bytesUpstreamToClient).append('}');
        } else {
            sb.append("request_id=").append(s.requestId())
                    .append(" event=websocket_close client=").append(s.client())
                    .append(" path=").append(s.path())
                    .append(" route=").append(dash(s.route()))
                    .append(" upstream=").append(dash(s.target()))
                    .append(" closed_by=").append(cause.text())
                    .append(" duration_ms=");
            millis(sb, durationNanos);
            sb.append(" bytes_client_to_upstream=").append(bytesClientToUpstream)
                    .append(" bytes_upstream_to_client=").append(bytesUpstreamToClient);
        }
        logger.info(sb.toString());
    }

    private static String dash(String s) {
        return s == null ? "-" : s;
    }

    private static void field(StringBuilder sb, JsonStringEncoder enc, String name, String value) {
        sb.append(",\"").append(name).append("\":");
        if (value == null) {
            sb.append("null");
        } else {
            sb.append('"').append(enc.quoteAsString(value)).append('"');
        }
    }

    private static void millis(StringBuilder sb, long nanos) {
        long micros = nanos / 1000;
        sb.append(micros / 1000).append('.');
        long frac = micros % 1000;
        if (frac < 100) {
            sb.append('0');
        }
        if (frac < 10) {
            sb.append('0');
        }
        sb.append(frac);
    }

    /** Removes a file appender installed by {@link #apply} (shutdown, tests). */
    public synchronized void close() {
        onClose.run();
        onClose = () -> { };
    }
}
