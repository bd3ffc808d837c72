package dev.sluice.app.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /v1/stats}: per stage, the records in, out, failed, retried and filtered since start
 * (from the stages' meters), and the rate of records in over the last minute, sampled every 5 s; for an
 * asynchronous stage, its calls too.
 */
final class StageStats implements AutoCloseable {

    static final Duration SAMPLE = Duration.ofSeconds(5);
    static final Duration WINDOW = Duration.ofMinutes(1);
    private static final String[] OUTCOMES = {"in", "out", "failed", "retried", "filtered"};

    private final MeterRegistry registry;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-stage-stats");
        t.setDaemon(true);
        return t;
    });

    /** A moment's count of records in, per stage. */
    private record Sample(long nanos, Map<String, Double> in) {
    }

    StageStats(MeterRegistry registry) {
        this.registry = registry;
        sampler.scheduleAtFixedRate(this::sample, 0, SAMPLE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void sample() {
        long now = System.nanoTime();
        samples.addLast(new Sample(now, counts("in")));
        while (samples.size() > 1 && now - samples.peekFirst().nanos() > WINDOW.toNanos()) {
            samples.removeFirst();
        }
    }

    /** Each stage's count of {@code outcome}, by stage name. */
    private Map<String, Double> counts(String outcome) {
        Map<String, Double> counts = new TreeMap<>();
        for (Counter counter : registry.find("sluice.stage.records").tag("outcome", outcome).counters()) {
            counts.merge(counter.getId().getTag("stage"), counter.count(), Double::sum);
        }
        return counts;
    }

    /** The stats as JSON: {@code {"windowSeconds": 60, "stages": {"split": {"in", "out", ..., "ratePerSecond"}}}}. */
    synchronized ObjectNode json(ObjectMapper json) {
        ObjectNode root = json.createObjectNode();
        ObjectNode stages = root.putObject("stages");
        Map<String, Double> in = counts("in");
        Sample oldest = samples.peekFirst();
        double seconds = oldest == null ? 0 : (System.nanoTime() - oldest.nanos()) / 1e9;
        for (String outcome : OUTCOMES) {
            counts(outcome).forEach((stage, count) -> stages.with(stage).put(outcome, count.longValue()));
        }
        in.forEach((stage, count) -> {
            double before = oldest == null ? count : oldest.in().getOrDefault(stage, 0.0);
            stages.with(stage).put("ratePerSecond", seconds < 1 ? 0.0 : Math.round((count - before) / seconds * 10) / 10.0);
        });
        calls(stages);
        root.put("windowSeconds", Math.round(seconds));
        return root;
    }

    /**
     * The calls of each asynchronous stage: running now ({@code callsInFlight}), told to slow down since
     * start ({@code callsThrottled}), the calls per second allowed now ({@code callRate}, 0 for no
     * limit) and the mean time of a call ({@code callMeanMillis}).
     */
    private void calls(ObjectNode stages) {
        for (Gauge gauge : registry.find("sluice.stage.calls.in.flight").gauges()) {
            String stage = gauge.getId().getTag("stage");
            ObjectNode node = stages.with(stage);
            node.put("callsInFlight", Math.round(gauge.value()));
            FunctionCounter throttled = registry.find("sluice.stage.calls.throttled").tag("stage", stage).functionCounter();
            node.put("callsThrottled", throttled == null ? 0 : Math.round(throttled.count()));
            Gauge rate = registry.find("sluice.stage.call.rate").tag("stage", stage).gauge();
            node.put("callRate", rate == null ? 0.0 : Math.round(rate.value() * 10) / 10.0);
            Timer calls = registry.find("sluice.stage.processing").tag("stage", stage).timer();
            node.put("callMeanMillis", calls == null ? 0.0 : Math.round(calls.mean(TimeUnit.MILLISECONDS) * 10) / 10.0);
        }
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
