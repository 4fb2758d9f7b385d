package dev.gateway.filters.iplist;

import dev.gateway.core.config.Cidr;
import java.util.Arrays;
import java.util.List;

/**
 * A set of IPv4 and IPv6 networks as two binary prefix tries over the address bits: a lookup walks at most 32 (or
 * 128) nodes, whatever the number of networks, and compares bytes only. Built once at load; immutable after, so
 * shared by every event loop without synchronisation.
 */
final class CidrTrie {
    private final Tree v4;
    private final Tree v6;
    private final int size;

    CidrTrie(List<Cidr> networks) {
        Tree four = new Tree();
        Tree six = new Tree();
        for (Cidr c : networks) {
            (c.network().length == 4 ? four : six).add(c.network(), c.prefix());
        }
        this.v4 = four.compact();
        this.v6 = six.compact();
        this.size = networks.size();
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Whether one of the networks contains {@code address} (4 or 16 bytes). */
    boolean contains(byte[] address) {
        return address.length == 4 ? v4.contains(address) : address.length == 16 && v6.contains(address);
    }

    /** Nodes in two int arrays (child for bit 0, child for bit 1; 0 = none) plus a flag: a network ends here. */
    private static final class Tree {
        private int[] zero = new int[64];
        private int[] one = new int[64];
        private boolean[] end = new boolean[64];
        private int nodes = 1; // node 0 is the root

        void add(byte[] network, int prefix) {
            int n = 0;
            for (int i = 0; i < prefix; i++) {
                if (end[n]) {
                    return; // a shorter network already covers this one
                }
                boolean bit = (network[i >>> 3] & (0x80 >>> (i & 7))) != 0;
                int next = bit ? one[n] : zero[n];
                if (next == 0) {
                    next = newNode(); // may grow the arrays: index them only after
                    (bit ? one : zero)[n] = next;
                }
                n = next;
            }
            end[n] = true;
        }

        private int newNode() {
            if (nodes == end.length) {
                int len = nodes * 2;
                zero = Arrays.copyOf(zero, len);
                one = Arrays.copyOf(one, len);
                end = Arrays.copyOf(end, len);
            }
            return nodes++;
        }

        Tree compact() {
            zero = Arrays.copyOf(zero, nodes);
            one = Arrays.copyOf(one, nodes);
            end = Arrays.copyOf(end, nodes);
            return this;
        }

        boolean contains(byte[] address) {
            int n = 0;
            int bits = address.length * 8;
            for (int i = 0; ; i++) {
                if (end[n]) {
                    return true;
                }
                if (i == bits) {
                    return false;
                }
                n = (address[i >>> 3] & (0x80 >>> (i & 7))) != 0 ? one[n] : zero[n];
                if (n == 0) {
                    return false;
                }
            }
        }
    }
}
