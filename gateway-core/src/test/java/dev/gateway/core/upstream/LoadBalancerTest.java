package dev.gateway.core.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {

    private static Target target(int id, int weight) {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 1000 + id);
        Endpoint endpoint = new Endpoint(new Endpoint.Key("http", "127.0.0.1", 1000 + id, address), 1);
        return new Target(endpoint, "http://h:1", "h", weight, dev.gateway.core.metrics.UpstreamMetrics.NOOP);
    }

    private static List<Target> picks(LoadBalancer lb, Target[] targets, int n) {
        List<Target> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(lb.pick(targets));
        }
        return out;
    }

    @Test
    void smoothScheduleForWeightsThreeAndOneIsAABA() {
        Target[] targets = {target(0, 3), target(1, 1)};

        assertThat(LoadBalancer.WeightedRoundRobin.smoothSchedule(targets)).containsExactly(0, 0, 1, 0);
    }

    @Test
    void weightedRoundRobinPicksInProportionToWeights() {
        Target a = target(0, 3);
        Target b = target(1, 1);
        Target[] targets = {a, b};

        List<Target> picked = picks(new LoadBalancer.WeightedRoundRobin(targets), targets, 400);

        assertThat(picked).filteredOn(t -> t == a).hasSize(300);
        assertThat(picked).filteredOn(t -> t == b).hasSize(100);
    }

    @Test
    void weightedRoundRobinSpreadsTheHeavierTargetSmoothly() {
        Target a = target(0, 3);
        Target b = target(1, 1);
        Target[] targets = {a, b};

        List<Target> picked = picks(new LoadBalancer.WeightedRoundRobin(targets), targets, 400);

        int maxRunOfA = 0;
        int run = 0;
        for (int i = 0; i < picked.size(); i++) {
            if (picked.get(i) == a) {
                run++;
                maxRunOfA = Math.max(maxRunOfA, run);
            } else {
                run = 0;
                assertThat(i == 0 || picked.get(i - 1) != b).as("two consecutive picks of b at %d", i).isTrue();
            }
        }
        assertThat(maxRunOfA).isLessThanOrEqualTo(3);
    }

    @Test
    void weightedRoundRobinAlternatesEqualWeights() {
        Target a = target(0, 1);
        Target b = target(1, 1);
        Target[] targets = {a, b};

        assertThat(picks(new LoadBalancer.WeightedRoundRobin(targets), targets, 6)).containsExactly(a, b, a, b, a, b);
    }

    @Test
    void weightedRoundRobinAlwaysPicksTheOnlyTarget() {
        Target only = target(0, 5);
        Target[] targets = {only};

        assertThat(picks(new LoadBalancer.WeightedRoundRobin(targets), targets, 10)).containsOnly(only);
    }

    @Test
    void leastOutstandingNeverPicksTheBusierOfTwoTargets() {
        Target busy = target(0, 1);
        Target idle = target(1, 1);
        busy.endpoint().incrementOutstanding();
        busy.endpoint().incrementOutstanding();

        List<Target> picked = picks(new LoadBalancer.LeastOutstanding(), new Target[] {busy, idle}, 200);

        assertThat(picked).containsOnly(idle);
    }

    @Test
    void leastOutstandingNeverPicksTheBusiestOfThreeTargets() {
        Target a = target(0, 1);
        Target busiest = target(1, 1);
        Target c = target(2, 1);
        a.endpoint().incrementOutstanding();
        for (int i = 0; i < 5; i++) {
            busiest.endpoint().incrementOutstanding();
        }

        List<Target> picked = picks(new LoadBalancer.LeastOutstanding(), new Target[] {a, busiest, c}, 300);

        assertThat(picked).doesNotContain(busiest);
    }

    @Test
    void leastOutstandingComparesOutstandingRelativeToWeight() {
        Target heavy = target(0, 4);
        Target light = target(1, 1);
        for (int i = 0; i < 3; i++) {
            heavy.endpoint().incrementOutstanding(); // 3 of weight 4 is less loaded than 1 of weight 1
        }
        light.endpoint().incrementOutstanding();

        List<Target> picked = picks(new LoadBalancer.LeastOutstanding(), new Target[] {heavy, light}, 200);

        assertThat(picked).containsOnly(heavy);
    }

    @Test
    void leastOutstandingPicksATargetAgainOnceItsRequestsFinish() {
        Target first = target(0, 1);
        Target second = target(1, 1);
        second.endpoint().incrementOutstanding();
        second.endpoint().decrementOutstanding();
        first.endpoint().incrementOutstanding();

        List<Target> picked = picks(new LoadBalancer.LeastOutstanding(), new Target[] {first, second}, 100);

        assertThat(picked).containsOnly(second);
    }
}
