package dev.sluice.topology.internal;

import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.internal.StatusEntry;

/** The status store's entries, as its processor writes and folds them, for the queries on it. */
public final class StatusQueries {

    private StatusQueries() {
    }

    /** The entry in the status store's bytes. */
    public static StatusEntry decode(byte[] entry) {
        return EnvelopeCodec.decodeStatus(entry);
    }

    /** {@code entry} after {@code event}, as the status store folds it; null when nothing changes. */
    public static StatusEntry fold(StatusEntry entry, JobEvent event) {
        return StatusProcessor.apply(entry, event);
    }
}
