package dev.gateway.core.filter;

import java.util.concurrent.atomic.AtomicInteger;

/** A typed key for per-request state in {@link RequestContext}; create keys once, as constants. */
public final class AttrKey<T> {
    /**
     * Indices below this belong to the {@link StandardAttrs} keys that most requests set (the app, the variant, the
     * upstream override): a context keeps their values in fields, so setting them allocates nothing. Other keys'
     * values live in an array the context makes on first use.
     */
    static final int INLINE = 3;
    private static final AtomicInteger NEXT = new AtomicInteger(INLINE);

    private final String name;
    final int index;

    private AttrKey(String name, int index) {
        this.name = name;
        this.index = index;
    }

    public static <T> AttrKey<T> of(String name) {
        return new AttrKey<>(name, NEXT.getAndIncrement());
    }

    /** A {@link StandardAttrs} key kept in a context's fields, at its own index below {@link #INLINE}. */
    static <T> AttrKey<T> inline(String name, int index) {
        if (index < 0 || index >= INLINE) {
            throw new IllegalArgumentException("an inline key's index is below " + INLINE + ": " + index);
        }
        return new AttrKey<>(name, index);
    }

    @Override
    public String toString() {
        return name;
    }
}
