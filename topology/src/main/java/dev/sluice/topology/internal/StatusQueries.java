package dev.sluice.topology.internal;

import dev.sluice.schemas.internal.StatusEntry;
import dev.sluice.topology.JobState;
import java.util.List;

/** Reads the status store's entries for {@link dev.sluice.topology.JobStatuses}. */
public final class StatusQueries {

    private StatusQueries() {
    }

    /** The state in a status store entry. */
    public static JobState toState(byte[] entry) {
        StatusEntry e = EnvelopeCodec.decodeStatus(entry);
        return new JobState(e.getJobId(), e.getStatus().name(), e.getStage(), e.getAcceptedAt(), e.getUpdatedAt(),
                e.getPartial(), e.getError(), List.copyOf(e.getTrace()));
    }
}
