package dev.sluice.topology.internal;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.StageError;
import java.time.Instant;

/**
 * A job's deadline ({@link Job#getDeadline()}): once it has passed, the job ends EXPIRED at the next
 * stage it reaches, or at the gather where its parts wait, and no later stage runs for it. On its way
 * to the collector an expired part is a FAILED envelope whose error has {@link #ERROR_CLASS}, so that
 * joins and gathers end the job as they do for a failure; the collector tells the two apart.
 */
final class Deadlines {

    /** The error class of an expired job's {@link StageError}. */
    static final String ERROR_CLASS = "DeadlineExceeded";
    /** The trace note of the stage where the job expired (the stage did not run). */
    static final String NOTE = "expired: not run";

    private Deadlines() {
    }

    /** The error to end {@code job} with at {@code stage}, if its deadline is at or before {@code now}; else null. */
    static StageError expired(Job job, String stage, long now) {
        Instant deadline = job.getDeadline();
        if (deadline == null || now < deadline.toEpochMilli()) {
            return null;
        }
        return StageError.newBuilder().setStage(stage).setErrorClass(ERROR_CLASS)
                .setMessage("deadline " + deadline + " passed " + (now - deadline.toEpochMilli()) + " ms before stage '"
                        + stage + "'")
                .setAttempts(0).build();
    }

    /** Whether {@code error} is an expiry's: only to read stores written before EXPIRED was an envelope kind. */
    static boolean isExpiry(StageError error) {
        return error != null && ERROR_CLASS.equals(error.getErrorClass());
    }
}
