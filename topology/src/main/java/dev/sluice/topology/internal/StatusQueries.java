package dev.sluice.topology.internal;

import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.internal.JobPhase;
import dev.sluice.schemas.internal.StatusEntry;
import dev.sluice.topology.JobState;
import java.util.ArrayList;
import java.util.List;

/** Reads the status store's entries for {@link dev.sluice.topology.JobStatuses}. */
public final class StatusQueries {

    private StatusQueries() {
    }

    /** The state in a status store entry. */
    public static JobState toState(byte[] entry) {
        return toState(EnvelopeCodec.decodeStatus(entry));
    }

    /** See {@link dev.sluice.topology.JobStatuses#fold}. */
    public static JobState fold(JobState state, JobEvent event) {
        StatusEntry entry = state == null ? null : new StatusEntry(state.jobId(),
                JobPhase.valueOf(state.status()), state.stage(), state.acceptedAt(), state.updatedAt(),
                state.updatedAt().toEpochMilli(), state.partial(), state.error(), new ArrayList<>(state.trace()));
        StatusEntry after = StatusProcessor.apply(entry, event);
        return after == null ? state : toState(after);
    }

    private static JobState toState(StatusEntry e) {
        return new JobState(e.getJobId(), e.getStatus().name(), e.getStage(), e.getAcceptedAt(), e.getUpdatedAt(),
                e.getPartial(), e.getError(), List.copyOf(e.getTrace()));
    }
}
