package dev.sluice.topology.internal;

import dev.sluice.topology.stage.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The parts one stage of one task waits to try again, in its store {@code <stage>-retries}, keyed
 * so that the store's order is the order they come due: {@code <due millis, 15 digits>|<job>|<part>}.
 * The store is changelogged, so a wait survives a crash; the stream thread never sleeps on it.
 */
final class Retries {

    /** The longest one punctuation spends on retries, so that it never holds the stream thread for long. */
    static final long BUDGET_NANOS = Duration.ofMillis(200).toNanos();

    private final RetryPolicy policy;
    private final DueQueue<EnvelopeCodec.Parked> parked;

    Retries(RetryPolicy policy, KeyValueStore<String, byte[]> store) {
        this.policy = policy;
        this.parked = new DueQueue<>(store, EnvelopeCodec::decodeRetry);
    }

    /** How often the stage looks for parts that came due: a quarter of the first backoff, 10 to 500 ms. */
    Duration tick() {
        return Duration.ofMillis(Math.max(10, Math.min(policy.initialBackoff().toMillis() / 4, 500)));
    }

    boolean isEmpty() {
        return parked.size() == 0;
    }

    /** Whether a part whose attempt {@code attemptsMade} threw {@code error} is tried again. */
    boolean retries(Throwable error, int attemptsMade) {
        return error != null && policy.retries(error, attemptsMade);
    }

    /** How long the part waits after attempt {@code attemptsMade}, drawn once per failure. */
    Duration delay(int attemptsMade) {
        return policy.delay(attemptsMade, ThreadLocalRandom.current().nextDouble());
    }

    /**
     * Puts {@code envelope} away until {@code now + delay}, or its job's deadline if that comes
     * first (it then expires instead of running late).
     */
    void park(Flow.Envelope envelope, int attemptsMade, long now, Duration delay) {
        long due = now + delay.toMillis();
        if (envelope.job().getDeadline() != null) {
            due = Math.min(due, envelope.job().getDeadline().toEpochMilli());
        }
        parked.put(due, envelope.jobId() + "|" + envelope.lineage().path(), EnvelopeCodec.encodeRetry(envelope, attemptsMade));
    }

    /** Takes out up to {@code max} parts that are due at {@code now}, the earliest first. */
    List<EnvelopeCodec.Parked> takeDue(long now, int max) {
        return parked.takeDue(now, max);
    }
}
