package dev.gateway.core.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Logback appender that keeps Netty's leak reports ({@code LEAK: ...}) so that tests can fail on them. */
public final class LeakRecorder extends AppenderBase<ILoggingEvent> {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    @Override
    protected void append(ILoggingEvent e) {
        String m = e.getFormattedMessage();
        if (m != null && m.contains("LEAK")) {
            LEAKS.add(m);
        }
    }

    /** Returns and forgets the leaks recorded so far. */
    public static List<String> drain() {
        List<String> copy = List.copyOf(LEAKS);
        LEAKS.clear();
        return copy;
    }
}
