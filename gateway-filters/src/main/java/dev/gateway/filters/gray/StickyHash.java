package dev.gateway.filters.gray;

/**
 * MurmurHash3 (x86, 32-bit) over UTF-16 chars or bytes, seeded per route: the same key lands in the same bucket for
 * as long as the route id stays the same, across reloads and restarts and on every instance, and two routes' buckets
 * are independent. Allocation-free.
 */
final class StickyHash {
    static final int BUCKETS = 10_000;
    private static final int C1 = 0xcc9e2d51;
    private static final int C2 = 0x1b873593;

    private StickyHash() {}

    /** The per-route seed. */
    static int seed(String routeId) {
        return chars(routeId, 0x9747b28c);
    }

    /** The bucket, 0..9999, of a key. */
    static int bucket(int hash) {
        return Integer.remainderUnsigned(hash, BUCKETS);
    }

    static int chars(CharSequence s, int seed) {
        int h = seed;
        int n = s.length();
        int i = 0;
        for (; i + 1 < n; i += 2) {
            h = mix(h, s.charAt(i) | (s.charAt(i + 1) << 16));
        }
        if (i < n) {
            h ^= mixK(s.charAt(i));
        }
        return fmix(h ^ (n * 2));
    }

    static int bytes(byte[] b, int seed) {
        int h = seed;
        int i = 0;
        for (; i + 3 < b.length; i += 4) {
            h = mix(h, (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24);
        }
        int k = 0;
        for (int shift = 0; i < b.length; i++, shift += 8) {
            k |= (b[i] & 0xff) << shift;
        }
        if (k != 0 || b.length % 4 != 0) {
            h ^= mixK(k);
        }
        return fmix(h ^ b.length);
    }

    private static int mixK(int k) {
        k *= C1;
        k = Integer.rotateLeft(k, 15);
        return k * C2;
    }

    private static int mix(int h, int k) {
        h ^= mixK(k);
        h = Integer.rotateLeft(h, 13);
        return h * 5 + 0xe6546b64;
    }

    private static int fmix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
