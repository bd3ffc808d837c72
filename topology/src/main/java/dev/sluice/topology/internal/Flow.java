package dev.sluice.topology.internal;

import dev.sluice.schemas.JobResult;

/**
 * What travels between the processors of one sub-topology, in memory: a job's payload in flight,
 * the end-of-job marker, and the two things that leave it (a result, a dead letter).
 */
sealed interface Flow {

    /** A payload on its way through the stages. */
    record Envelope(JobRun run, Object payload, Lineage lineage) implements Flow {
    }

    /**
     * Sent after a job's record has passed through every stage: gathers combine what they hold and
     * the collector turns the run into the job's one result.
     */
    record Flush(JobRun run) implements Flow {
    }

    /** The job's terminal result, for the results topic. */
    record Emit(JobResult result) implements Flow {
    }

    /** The original record, for the dead-letter topic; the error is in the record's headers. */
    record DeadLetter(byte[] key, byte[] value) implements Flow {
    }
}
