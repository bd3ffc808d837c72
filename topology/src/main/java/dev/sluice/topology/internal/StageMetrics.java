package dev.sluice.topology.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One stage's meters, shared by every task that runs it (Micrometer hands out one meter per name and
 * tags): {@code sluice_stage_records_total{stage, outcome}} with outcome {@code in} (inputs the stage
 * was called on), {@code out} (outputs it made), {@code failed} (calls that threw, retried or not),
 * {@code retried} (parts put away for another try) and {@code filtered} (inputs it dropped);
 * {@code sluice_stage_processing_seconds{stage}}, a histogram of its calls; and for a gather,
 * {@code sluice_gather_groups_total{stage, outcome=complete|partial}}. Counting is a few adds on the
 * stream thread; {@link #NONE} counts nothing.
 */
class StageMetrics {

    /** Meters of no registry: every call does nothing. */
    static final StageMetrics NONE = new StageMetrics();

    private StageMetrics() {
    }

    /**
     * The meters of stage {@code stage} in {@code registry} (with the group counters if it is a
     * {@code gather}), or {@link #NONE} when there is no registry.
     */
    static StageMetrics of(MeterRegistry registry, String stage, boolean gather) {
        return registry == null ? NONE : new Counting(registry, stage, gather);
    }

    void called(long nanos, boolean failed) {
    }

    void in(int n) {
    }

    void out(int n) {
    }

    void retried() {
    }

    void filtered() {
    }

    void group(boolean partial) {
    }

    private static final class Counting extends StageMetrics {
        private final Counter in;
        private final Counter out;
        private final Counter failed;
        private final Counter retried;
        private final Counter filtered;
        private final Counter complete;
        private final Counter partial;
        private final Timer processing;

        Counting(MeterRegistry registry, String stage, boolean gather) {
            this.in = records(registry, stage, "in");
            this.out = records(registry, stage, "out");
            this.failed = records(registry, stage, "failed");
            this.retried = records(registry, stage, "retried");
            this.filtered = records(registry, stage, "filtered");
            this.complete = gather ? groups(registry, stage, "complete") : null;
            this.partial = gather ? groups(registry, stage, "partial") : null;
            this.processing = Timer.builder("sluice.stage.processing").description("Time a stage's calls took")
                    .tag("stage", stage).publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(60))
                    .register(registry);
        }

        private static Counter records(MeterRegistry registry, String stage, String outcome) {
            return Counter.builder("sluice.stage.records").description("Records through a stage, by outcome")
                    .tag("stage", stage).tag("outcome", outcome).register(registry);
        }

        private static Counter groups(MeterRegistry registry, String stage, String outcome) {
            return Counter.builder("sluice.gather.groups").description("Groups a gather ended: complete, or partial"
                    + " after its timeout").tag("stage", stage).tag("outcome", outcome).register(registry);
        }

        @Override
        void called(long nanos, boolean failedCall) {
            in.increment();
            processing.record(nanos, TimeUnit.NANOSECONDS);
            if (failedCall) {
                failed.increment();
            }
        }

        @Override
        void in(int n) {
            in.increment(n);
        }

        @Override
        void out(int n) {
            out.increment(n);
        }

        @Override
        void retried() {
            retried.increment();
        }

        @Override
        void filtered() {
            filtered.increment();
        }

        @Override
        void group(boolean partialGroup) {
            Counter groups = partialGroup ? partial : complete;
            if (groups != null) {
                groups.increment();
            }
        }
    }
}
