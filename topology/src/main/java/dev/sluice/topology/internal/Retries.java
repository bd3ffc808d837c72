package dev.sluice.topology.internal;

import dev.sluice.topology.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
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
    private final KeyValueStore<String, byte[]> store;
    private int waiting;

    Retries(RetryPolicy policy, KeyValueStore<String, byte[]> store) {
        this.policy = policy;
        this.store = store;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                it.next();
                waiting++;
            }
        }
    }

    /** How often the stage looks for parts that came due: a quarter of the first backoff, 10 to 500 ms. */
    Duration tick() {
        return Duration.ofMillis(Math.max(10, Math.min(policy.initialBackoff().toMillis() / 4, 500)));
    }

    boolean isEmpty() {
        return waiting == 0;
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
        String key = String.format("%015d|%s|%s", Math.max(0, due), envelope.jobId(), envelope.lineage().path());
        if (store.get(key) == null) {
            waiting++;
        }
        store.put(key, EnvelopeCodec.encodeRetry(envelope, attemptsMade));
    }

    /** Takes out up to {@code max} parts that are due at {@code now}, the earliest first. */
    List<EnvelopeCodec.Parked> takeDue(long now, int max) {
        List<KeyValue<String, byte[]>> due = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.range(null, String.format("%015d|\uffff", now))) {
            while (it.hasNext() && due.size() < max) {
                due.add(it.next());
            }
        }
        List<EnvelopeCodec.Parked> parked = new ArrayList<>(due.size());
        for (KeyValue<String, byte[]> entry : due) {
            store.delete(entry.key);
            waiting--;
            parked.add(EnvelopeCodec.decodeRetry(entry.value));
        }
        return parked;
    }
}
