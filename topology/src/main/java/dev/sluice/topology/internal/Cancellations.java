package dev.sluice.topology.internal;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.StageError;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The jobs cancelled through the control topic, as every processor of one topology sees them: job id
 * to the instant of the cancel. The control topic's global store fills it on the global thread; the
 * stages read it on the stream threads. A cancel applies to a job with that id submitted at or before
 * it, so cancelling an unknown or finished id does not touch a later job that reuses it.
 *
 * <p>On its way to the collector a cancelled part is a CANCELLED envelope whose error, of class
 * {@link #ERROR_CLASS}, names the stage it did not reach: joins and gathers end the job as for a
 * failure (dropping its other parts), and the collector makes it a CANCELLED result.
 */
final class Cancellations {

    static final String ERROR_CLASS = "Cancelled";
    /** The trace note of the stage where the job stopped (the stage did not run). */
    static final String NOTE = "cancelled: not run";

    /** Cancels between two sweeps for those past their retention: the map grows by at most this many. */
    static final int SWEEP_EVERY = 1_024;

    private final Map<String, Instant> cancelledAt = new ConcurrentHashMap<>();
    /** Told the id of each job cancelled, on the global thread: what runs a call for it stops it. */
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private final long retentionMillis;
    private int sinceSweep;

    /** Cancels remembered for {@code retention} from when they were issued. */
    Cancellations(Duration retention) {
        this.retentionMillis = retention.toMillis();
    }

    /**
     * Remembers a cancel issued {@code at}, unless it is past its retention at {@code nowMillis}; every
     * {@value #SWEEP_EVERY} cancels, forgets those past it. Called on one thread (the global one).
     *
     * @return whether it was remembered
     */
    boolean cancel(String jobId, Instant at, long nowMillis) {
        long oldest = nowMillis - retentionMillis;
        if (++sinceSweep >= SWEEP_EVERY) {
            sinceSweep = 0;
            cancelledAt.values().removeIf(issued -> issued.toEpochMilli() < oldest);
        }
        if (at.toEpochMilli() < oldest) {
            return false;
        }
        cancelledAt.merge(jobId, at, (a, b) -> a.isAfter(b) ? a : b);
        for (Consumer<String> listener : listeners) {
            listener.accept(jobId);
        }
        return true;
    }

    /** {@code listener} is told, on the global thread, the id of every job cancelled from now on. */
    void listen(Consumer<String> listener) {
        listeners.add(listener);
    }

    /** {@code listener} is told no more. */
    void unlisten(Consumer<String> listener) {
        listeners.remove(listener);
    }

    /** Whether a cancel issued at {@code issuedAtMillis} is past its retention at {@code nowMillis}. */
    boolean expired(long issuedAtMillis, long nowMillis) {
        return issuedAtMillis < nowMillis - retentionMillis;
    }

    /** How many cancels are remembered now. */
    int size() {
        return cancelledAt.size();
    }

    /** The error to end {@code job} with at {@code stage}, if it was cancelled; else null. */
    StageError cancelled(Job job, String stage) {
        return cancelled(job.getJobId(), job.getSubmittedAt(), stage);
    }

    /** As {@link #cancelled(Job, String)}, for the job of that id submitted at {@code submittedAt}. */
    StageError cancelled(String jobId, Instant submittedAt, String stage) {
        if (cancelledAt.isEmpty()) {
            return null;
        }
        Instant at = cancelledAt.get(jobId);
        if (at == null || submittedAt.isAfter(at)) {
            return null;
        }
        return StageError.newBuilder().setStage(stage).setErrorClass(ERROR_CLASS)
                .setMessage("cancelled at " + at + ", before stage '" + stage + "'").setAttempts(0).build();
    }

    /** Whether {@code jobId} was cancelled at or after {@code sinceMillis}. */
    boolean cancelledSince(String jobId, long sinceMillis) {
        if (cancelledAt.isEmpty()) {
            return false;
        }
        Instant at = cancelledAt.get(jobId);
        return at != null && at.toEpochMilli() >= sinceMillis;
    }

    /** Whether {@code error} is a cancel's: only to read stores written before CANCELLED was an envelope kind. */
    static boolean isCancel(StageError error) {
        return error != null && ERROR_CLASS.equals(error.getErrorClass());
    }
}
