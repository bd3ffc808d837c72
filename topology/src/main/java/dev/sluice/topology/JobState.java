package dev.sluice.topology;

import dev.sluice.schemas.StageError;
import dev.sluice.schemas.StageTrace;
import java.time.Instant;
import java.util.List;

/**
 * A job's latest status, as the status store has it: {@code ACCEPTED}; {@code RUNNING} at
 * {@code stage}, the stage of its latest event; or how it ended ({@code COMPLETED}, {@code FAILED},
 * {@code CANCELLED}, {@code EXPIRED}), with the stage and error of a job that did not complete. The
 * trace lists the stages so far (when each started, how long it took once finished), and at the end
 * the result's trace.
 *
 * @param acceptedAt when the intake accepted it; null if the store saw its later events only
 */
public record JobState(String jobId, String status, String stage, Instant acceptedAt, Instant updatedAt,
                       boolean partial, StageError error, List<StageTrace> trace) {

    /** Whether the job has ended. */
    public boolean ended() {
        return switch (status) {
            case "COMPLETED", "FAILED", "CANCELLED", "EXPIRED" -> true;
            default -> false;
        };
    }
}
