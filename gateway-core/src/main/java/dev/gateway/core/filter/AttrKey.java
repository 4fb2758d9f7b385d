package dev.gateway.core.filter;

import java.util.concurrent.atomic.AtomicInteger;

/** A typed key for per-request state in {@link RequestContext}; create keys once, as constants. */
public final class AttrKey<T> {
    private static final AtomicInteger NEXT = new AtomicInteger();

    private final String name;
    final int index;

    private AttrKey(String name) {
        this.name = name;
        this.index = NEXT.getAndIncrement();
    }

    public static <T> AttrKey<T> of(String name) {
        return new AttrKey<>(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
