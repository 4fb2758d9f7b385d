package dev.gateway.core.limit;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What one request took from its limits (tokens, quota counts, concurrency slots), to give back when a later limit
 * refuses or the request is abandoned, or to release when its exchange ends. Used on the request's event loop only.
 */
final class Holds {
    static final byte RATE = 0;
    static final byte QUOTA = 1;
    static final byte CONCURRENCY = 2;

    private final AtomicLongArray[] cells;
    private final int[] index;
    private final long[] amount;
    private final byte[] type;
    private int size;
    private boolean undone;
    private boolean released;
    private Runnable alsoUndo;

    /** @param n the most limits one request can take from: its route's local and cluster limits */
    Holds(int n) {
        cells = new AtomicLongArray[n];
        index = new int[n];
        amount = new long[n];
        type = new byte[n];
    }

    void hold(byte kind, AtomicLongArray c, int i, long a) {
        cells[size] = c;
        index[size] = i;
        amount[size] = a;
        type[size] = kind;
        size++;
    }

    boolean holdsConcurrency() {
        for (int i = 0; i < size; i++) {
            if (type[i] == CONCURRENCY) {
                return true;
            }
        }
        return false;
    }

    /** Also run by {@link #undo}: gives back what cluster limits took in Redis (a queued request left). */
    void alsoUndo(Runnable r) {
        alsoUndo = r;
    }

    /** Gives back every token and count, and releases concurrency slots. Once. */
    void undo() {
        if (undone) {
            return;
        }
        undone = true;
        if (alsoUndo != null) {
            alsoUndo.run();
        }
        for (int i = 0; i < size; i++) {
            if (type[i] == RATE) {
                TokenBucket.refund(cells[i], index[i], amount[i]);
            } else if (type[i] == QUOTA) {
                FixedWindow.refund(cells[i], index[i], amount[i]);
            }
        }
        release();
    }

    /** The exchange ended: releases the concurrency slots held. Once. */
    void release() {
        if (released) {
            return;
        }
        released = true;
        for (int i = 0; i < size; i++) {
            if (type[i] == CONCURRENCY) {
                InFlight.release(cells[i], index[i]);
            }
        }
    }
}
