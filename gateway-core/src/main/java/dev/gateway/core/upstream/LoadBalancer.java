package dev.gateway.core.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Picks a target for a request. Thread-safe and lock-free; called on event loops. The state a balancer keeps (its
 * position, the targets' requests in flight) lives outside the compiled configuration, so a reload does not reset it.
 */
public interface LoadBalancer {

    Target pick(Target[] targets);

    /**
     * Smooth weighted round-robin: the order is computed once per configuration (nginx's smooth algorithm, so a
     * target of weight 3 among weights 3,1 is picked as a,a,b,a rather than a,a,a,b) and walked with one atomic
     * counter, which the upstream client keeps per group across configurations.
     */
    final class WeightedRoundRobin implements LoadBalancer {
        private final int[] schedule;
        private final AtomicLong next;

        public WeightedRoundRobin(Target[] targets) {
            this(targets, new AtomicLong());
        }

        /** @param position the group's position, shared with the balancers of earlier configurations */
        public WeightedRoundRobin(Target[] targets, AtomicLong position) {
            this.schedule = smoothSchedule(targets);
            this.next = position;
        }

        static int[] smoothSchedule(Target[] targets) {
            int total = 0;
            for (Target t : targets) {
                total += t.weight();
            }
            int[] current = new int[targets.length];
            List<Integer> order = new ArrayList<>(total);
            for (int n = 0; n < total; n++) {
                int best = 0;
                for (int i = 0; i < targets.length; i++) {
                    current[i] += targets[i].weight();
                    if (current[i] > current[best]) {
                        best = i;
                    }
                }
                current[best] -= total;
                order.add(best);
            }
            return order.stream().mapToInt(Integer::intValue).toArray();
        }

        @Override
        public Target pick(Target[] targets) {
            if (targets.length == 1) {
                return targets[0];
            }
            return targets[schedule[(int) Long.remainderUnsigned(next.getAndIncrement(), schedule.length)]];
        }
    }

    /**
     * Least outstanding requests by the power of two choices: sample two distinct targets, take the one with
     * fewer requests in flight relative to its weight (ties: the first sampled).
     */
    final class LeastOutstanding implements LoadBalancer {
        @Override
        public Target pick(Target[] targets) {
            int n = targets.length;
            if (n == 1) {
                return targets[0];
            }
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            int a = rnd.nextInt(n);
            int b = rnd.nextInt(n - 1);
            if (b >= a) {
                b++;
            }
            Target ta = targets[a];
            Target tb = targets[b];
            // Compare outstanding/weight without division: oa/wa <= ob/wb  <=>  oa*wb <= ob*wa.
            long sa = (long) ta.outstanding() * tb.weight();
            long sb = (long) tb.outstanding() * ta.weight();
            return sa <= sb ? ta : tb;
        }
    }
}
