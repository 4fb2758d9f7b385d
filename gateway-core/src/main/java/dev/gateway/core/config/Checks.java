package dev.gateway.core.config;

import java.util.ArrayList;
import java.util.List;

/**
 * What a record's canonical constructor finds wrong, each at a key of its YAML section ({@code burst},
 * {@code allow-methods[1]}), thrown together by {@link #throwIfAny()} so that the binder reports every one, located.
 * Built directly (a test, a benchmark), the record throws the same exception with all the messages.
 */
public final class Checks {
    private final List<Entry> entries = new ArrayList<>();

    /** One problem: the key (with an optional {@code [index]}) and the message. */
    public record Entry(String key, String message) {}

    /** Adds {@code message} at {@code key} unless {@code ok}. */
    public void check(boolean ok, String key, String message) {
        if (!ok) {
            add(key, message);
        }
    }

    public void add(String key, String message) {
        entries.add(new Entry(key, message));
    }

    /** Throws a {@link Failure} with every entry, if there is any. */
    public void throwIfAny() {
        if (!entries.isEmpty()) {
            throw new Failure(List.copyOf(entries));
        }
    }

    /** The constructor's problems. */
    public static final class Failure extends IllegalArgumentException {
        private final transient List<Entry> entries;

        Failure(List<Entry> entries) {
            super(String.join("; ", entries.stream().map(e -> e.key() + ": " + e.message()).toList()));
            this.entries = entries;
        }

        public List<Entry> entries() {
            return entries;
        }
    }
}
