package dev.sluice.topology;

import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.internal.JobPhase;
import dev.sluice.schemas.internal.StatusEntry;
import dev.sluice.topology.internal.StatusQueries;
import dev.sluice.topology.pipeline.ResourceNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;

/**
 * Queries the status store of a running pipeline ({@code status.retention.ms}), with Kafka Streams'
 * interactive queries (v2). The store is partitioned like the events topic: {@link #locate} says which
 * instance holds a job's status (by its {@code application.server}), and {@link #query} asks this
 * instance's part of the store.
 */
public final class JobStatuses {

    /** The store's name; its changelog is {@code <application.id>-sluice.status-changelog}. */
    public static final String STORE = ResourceNames.STATUS;

    private JobStatuses() {
    }

    /** Where the status of {@code jobId} is kept: its partition and the instance that holds it. */
    public static KeyQueryMetadata locate(KafkaStreams streams, String jobId) {
        return streams.queryMetadataForKey(STORE, jobId, Serdes.String().serializer());
    }

    /**
     * The status of {@code jobId} in this instance's part {@code partition} of the store; empty when
     * the store has none (the job is unknown here, or older than the retention).
     *
     * @throws NotHereException when this instance does not hold that partition (now), or cannot be asked
     */
    public static Optional<JobState> query(KafkaStreams streams, String jobId, int partition) {
        StateQueryRequest<byte[]> request = StateQueryRequest.inStore(STORE)
                .withQuery(KeyQuery.<String, byte[]>withKey(jobId)).withPartitions(Set.of(partition));
        StateQueryResult<byte[]> answer;
        try {
            answer = streams.query(request);
        } catch (RuntimeException e) {
            throw new NotHereException("the status store cannot be queried: " + e.getMessage(), e);
        }
        QueryResult<byte[]> result = answer.getPartitionResults().get(partition);
        if (result == null) {
            throw new NotHereException("this instance holds no part " + partition + " of " + STORE, null);
        }
        if (result.isFailure()) {
            throw new NotHereException(STORE + " part " + partition + ": " + result.getFailureReason() + ", "
                    + result.getFailureMessage(), null, result.getFailureReason());
        }
        byte[] value = result.getResult();
        return value == null ? Optional.empty() : Optional.of(state(value));
    }

    /**
     * {@code state} after {@code event}, as the status store folds a job's events: ACCEPTED starts the
     * job anew, a stage event makes it RUNNING at that stage and adds to its trace, an end event ends it,
     * and nothing changes an ended job but a new ACCEPTED.
     *
     * @param state the job's state so far; null for a job not seen yet
     * @return the state after the event: {@code state} itself when the event changes nothing
     */
    public static JobState fold(JobState state, JobEvent event) {
        StatusEntry entry = state == null ? null : StatusEntry.newBuilder().setJobId(state.jobId())
                .setStatus(JobPhase.valueOf(state.status())).setStage(state.stage()).setAcceptedAt(state.acceptedAt())
                .setUpdatedAt(state.updatedAt()).setSince(state.updatedAt().toEpochMilli()).setPartial(state.partial())
                .setError(state.error()).setTrace(new ArrayList<>(state.trace())).build();
        StatusEntry after = StatusQueries.fold(entry, event);
        return after == null ? state : state(after);
    }

    /** The state in an entry of the status store, as the store keeps it (bytes). */
    public static JobState state(byte[] entry) {
        return state(StatusQueries.decode(entry));
    }

    private static JobState state(StatusEntry e) {
        return new JobState(e.getJobId(), e.getStatus().name(), e.getStage(), e.getAcceptedAt(), e.getUpdatedAt(),
                e.getPartial(), e.getError(), List.copyOf(e.getTrace()));
    }

    /** This instance cannot answer for a job's status now: another holds it, or a rebalance is under way. */
    public static final class NotHereException extends RuntimeException {
        private final transient FailureReason reason;

        NotHereException(String message, Throwable cause) {
            this(message, cause, null);
        }

        NotHereException(String message, Throwable cause, FailureReason reason) {
            super(message, cause);
            this.reason = reason;
        }

        /** Kafka Streams' reason, or null. */
        public FailureReason reason() {
            return reason;
        }
    }
}
