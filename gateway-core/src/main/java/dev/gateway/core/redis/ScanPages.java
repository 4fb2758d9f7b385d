package dev.gateway.core.redis;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * SCAN in pages whose position is text a client can hand back (the admin API's {@code cursor}), standalone and on
 * Cluster. Standalone and Sentinel: the text is Redis's own cursor. Cluster: Lettuce's cross-node SCAN keeps which node
 * it is on in its cursor object, not in its text, so the pages walk the masters here instead, in the order of the
 * first slot each serves, and the text is {@code <slot>:<cursor>}: the node is whichever master serves that slot when
 * the next page is asked for (the same node's replica after a failover), and the cursor is that node's SCAN cursor.
 *
 * <p>As with SCAN itself, a key present for the whole walk is returned at least once; one added, removed or moved to
 * another node (resharding) during it may be returned twice or not at all. Never blocks: node connections are opened
 * asynchronously.
 */
public final class ScanPages {
    private static final Pattern CURSOR = Pattern.compile("(?:[0-9]{1,5}:)?[0-9]{1,20}");

    private ScanPages() {}

    /**
     * One page of keys.
     *
     * @param next where the next page starts, or null after the last one
     */
    public record Page(List<String> keys, String next) {}

    /** Whether {@code text} has the shape of a cursor a page returned (standalone or Cluster). */
    public static boolean isCursor(String text) {
        return CURSOR.matcher(text).matches();
    }

    /**
     * SCANs from {@code cursor} (null or "0": the start) with {@code args} until about {@code limit} keys are found,
     * the walk ends, or {@code maxScans} SCANs were made. Fails with {@link IllegalArgumentException} (its message
     * starts {@code cursor: }) for a cursor of the wrong kind (a Cluster cursor on a standalone server, or the reverse)
     * or a slot no master serves.
     */
    public static CompletionStage<Page> page(RedisService redis, String cursor, ScanArgs args, int limit,
            int maxScans) {
        String start = cursor == null || cursor.isEmpty() ? null : cursor;
        if (start != null && !isCursor(start)) {
            return CompletableFuture.failedStage(new IllegalArgumentException("cursor: not a cursor of this listing"));
        }
        return redis.call(c -> c instanceof RedisAdvancedClusterAsyncCommands<String, String> cluster
                ? clusterPage(cluster.getStatefulConnection(), start, args, limit, maxScans)
                : standalonePage(redis, start, args, limit, maxScans));
    }

    private static CompletionStage<Page> standalonePage(RedisService redis, String cursor, ScanArgs args, int limit,
            int maxScans) {
        if (cursor != null && cursor.indexOf(':') >= 0) {
            return CompletableFuture.failedStage(new IllegalArgumentException(
                    "cursor: a Redis Cluster cursor (<slot>:<cursor>), and this Redis is not a cluster"));
        }
        return scan(redis, cursor == null ? ScanCursor.INITIAL : ScanCursor.of(cursor), args, limit,
                new ArrayList<>(), 0, maxScans);
    }

    private static CompletionStage<Page> scan(RedisService redis, ScanCursor cursor, ScanArgs args, int limit,
            List<String> keys, int scans, int maxScans) {
        return redis.call(c -> c.scan(cursor, args)).thenCompose((KeyScanCursor<String> r) -> {
            keys.addAll(r.getKeys());
            String next = r.isFinished() ? null : r.getCursor();
            if (next == null || keys.size() >= limit || scans + 1 >= maxScans) {
                return CompletableFuture.completedStage(new Page(List.copyOf(keys), next));
            }
            return scan(redis, ScanCursor.of(next), args, limit, keys, scans + 1, maxScans);
        });
    }

    private static CompletionStage<Page> clusterPage(StatefulRedisClusterConnection<String, String> connection,
            String cursor, ScanArgs args, int limit, int maxScans) {
        List<RedisClusterNode> masters = new ArrayList<>();
        for (RedisClusterNode n : connection.getPartitions()) {
            if (n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.hasNoSlots()) {
                masters.add(n);
            }
        }
        masters.sort(Comparator.comparingInt(ScanPages::firstSlot));
        if (masters.isEmpty()) {
            return CompletableFuture.completedStage(new Page(List.of(), null));
        }
        if (cursor == null || cursor.equals("0")) {
            return clusterScan(connection, masters, 0, ScanCursor.INITIAL, args, limit, new ArrayList<>(), 0,
                    maxScans);
        }
        int colon = cursor.indexOf(':');
        if (colon < 0) {
            return CompletableFuture.failedStage(new IllegalArgumentException(
                    "cursor: this Redis is a cluster, and its cursors are <slot>:<cursor>"));
        }
        int slot = Integer.parseInt(cursor.substring(0, colon));
        for (int i = 0; i < masters.size(); i++) {
            if (masters.get(i).hasSlot(slot)) {
                return clusterScan(connection, masters, i, ScanCursor.of(cursor.substring(colon + 1)), args, limit,
                        new ArrayList<>(), 0, maxScans);
            }
        }
        return CompletableFuture.failedStage(new IllegalArgumentException("cursor: no master serves slot " + slot
                + " now; start the listing again"));
    }

    private static CompletionStage<Page> clusterScan(StatefulRedisClusterConnection<String, String> connection,
            List<RedisClusterNode> masters, int node, ScanCursor cursor, ScanArgs args, int limit, List<String> keys,
            int scans, int maxScans) {
        return connection.getConnectionAsync(masters.get(node).getNodeId())
                .thenCompose(c -> c.async().scan(cursor, args))
                .thenCompose(r -> {
                    keys.addAll(r.getKeys());
                    int nextNode = r.isFinished() ? node + 1 : node;
                    if (nextNode == masters.size()) {
                        return CompletableFuture.completedStage(new Page(List.copyOf(keys), null));
                    }
                    ScanCursor next = r.isFinished() ? ScanCursor.INITIAL : ScanCursor.of(r.getCursor());
                    if (keys.size() >= limit || scans + 1 >= maxScans) {
                        return CompletableFuture.completedStage(new Page(List.copyOf(keys),
                                firstSlot(masters.get(nextNode)) + ":" + next.getCursor()));
                    }
                    return clusterScan(connection, masters, nextNode, next, args, limit, keys, scans + 1, maxScans);
                });
    }

    private static int firstSlot(RedisClusterNode n) {
        int[] first = {Integer.MAX_VALUE};
        n.forEachSlot(s -> first[0] = Math.min(first[0], s));
        return first[0];
    }
}
