package dev.sluice.topology.internal;

import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.JobEventType;
import dev.sluice.schemas.JobEvents;
import dev.sluice.schemas.StageTrace;
import dev.sluice.schemas.internal.JobPhase;
import dev.sluice.schemas.internal.StatusEntry;
import dev.sluice.serdes.SchemaRegistryUnavailableException;
import dev.sluice.topology.pipeline.ResourceNames;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each job's latest status in store {@value ResourceNames#STATUS}, from the events topic:
 * ACCEPTED, RUNNING at the stage of its latest stage event, then how it ended; with the stages so far
 * as its trace, from their events. An event that comes after its job's end (a late part's) does
 * not change the status, but an ACCEPTED one does: a job sent again from the dead-letter topic runs
 * again. A record that cannot be read is skipped, with a warning: the status is a view, and the job's
 * result is on the results topic whatever happens here.
 *
 * <p>The store is a cached key-value store, so that a job's events within a commit interval cost one
 * write, and queries see the cache; in pass-through mode, where a job's events are one record, it is
 * not cached. Entries go {@code status.retention.ms} after their first event: a
 * punctuator sweeps the store a slice at a time, from where it stopped, looking at twice as many
 * entries as were added since, so that a sweep of the whole store takes at most half the retention.
 * An entry is gone within one and a half retentions; no index costs a second write per job.
 */
final class StatusProcessor implements Processor<byte[], byte[], Void, Void> {

    private static final Logger log = LoggerFactory.getLogger(StatusProcessor.class);
    /** The fewest entries a sweep looks at. */
    private static final int SWEEP_AT_LEAST = 1_000;
    private static final Duration SWEEP_EVERY = Duration.ofSeconds(1);

    private final Deserializer<JobEvents> events;
    private final String topic;
    private final long retentionMillis;
    private KeyValueStore<String, byte[]> store;
    private ProcessorContext<Void, Void> context;
    private long skipped;
    /** Entries added since the last sweep. */
    private long added;
    /** Where the next sweep starts; null for the beginning. */
    private String sweepFrom;

    StatusProcessor(Deserializer<JobEvents> events, String topic, long retentionMillis) {
        this.events = events;
        this.topic = topic;
        this.retentionMillis = retentionMillis;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.store = context.getStateStore(ResourceNames.STATUS);
        context.schedule(SWEEP_EVERY, PunctuationType.WALL_CLOCK_TIME, this::sweep);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RawRecords.forget(context);
        JobEvents batch;
        try {
            batch = record.value() == null ? null : events.deserialize(topic, record.value());
        } catch (SerializationException | SchemaRegistryUnavailableException e) {
            if (skipped++ % 1_000 == 0) {
                log.warn("skipped a record on {} that cannot be read ({} so far): {}", topic, skipped, e.getMessage());
            }
            return;
        }
        if (batch == null || batch.getEvents().isEmpty()) {
            return;
        }
        // a job accepted (again) starts a new status: what the store had does not matter
        boolean fresh = batch.getEvents().get(0).getType() == JobEventType.ACCEPTED;
        byte[] stored = fresh ? null : store.get(batch.getJobId());
        StatusEntry before = stored == null ? null : EnvelopeCodec.decodeStatus(stored);
        StatusEntry state = before;
        boolean changed = false;
        for (JobEvent event : batch.getEvents()) {
            StatusEntry next = apply(state, event);
            if (next != null) {
                state = next;
                changed = true;
            }
        }
        if (changed) {
            if (before == null) {
                added++; // or replaced: the sweep looks at a few more than it need
            }
            store.put(batch.getJobId(), EnvelopeCodec.encodeStatus(state));
        }
    }

    /** Removes the entries past the retention from the next slice of the store. */
    private void sweep(long now) {
        long budget = Math.max(SWEEP_AT_LEAST, 2 * added);
        added = 0;
        long cutoff = now - retentionMillis;
        List<String> expired = new ArrayList<>();
        String last = null;
        long seen = 0;
        try (KeyValueIterator<String, byte[]> it = store.range(sweepFrom, null)) {
            while (it.hasNext() && seen < budget) {
                var entry = it.next();
                seen++;
                last = entry.key;
                if (EnvelopeCodec.statusSince(entry.value) < cutoff) {
                    expired.add(entry.key);
                }
            }
            // the end of the store: the next sweep starts from its beginning
            sweepFrom = it.hasNext() ? last : null;
        }
        expired.forEach(store::delete);
    }

    static boolean isEnded(JobPhase phase) {
        return switch (phase) {
            case COMPLETED, FAILED, CANCELLED, EXPIRED -> true;
            default -> false;
        };
    }

    /**
     * A new entry for {@code event}'s job, in {@code phase}, kept from the event's time on; its other fields
     * as the schema's defaults have them. Not through the record's builder, whose {@code build()} looks up
     * and copies the default of each field left unset: once per job on the hot path.
     */
    private static StatusEntry entry(JobEvent event, JobPhase phase) {
        StatusEntry entry = new StatusEntry();
        entry.setJobId(event.getJobId());
        entry.setStatus(phase);
        entry.setUpdatedAt(event.getAt());
        entry.setSince(event.getAt().toEpochMilli());
        entry.setPartial(false);
        entry.setTrace(new ArrayList<>());
        return entry;
    }

    /**
     * {@code state} after {@code event}: changed in place, or made when there is none; null when the
     * event changes nothing.
     */
    static StatusEntry apply(StatusEntry state, JobEvent event) {
        long at = event.getAt().toEpochMilli();
        boolean ended = state != null && isEnded(state.getStatus());
        switch (event.getType()) {
            case ACCEPTED -> {
                // a new job, one read again (after a crash under at_least_once) or replayed: it starts anew
                StatusEntry accepted = entry(event, JobPhase.ACCEPTED);
                accepted.setAcceptedAt(event.getAt());
                return accepted;
            }
            case STAGE_STARTED, STAGE_FINISHED -> {
                if (ended) {
                    return null;
                }
                if (state == null) {
                    state = entry(event, JobPhase.RUNNING);
                }
                List<StageTrace> trace = state.getTrace();
                int index = indexOf(trace, event.getStage());
                long micros = event.getDurationMicros() == null ? 0 : event.getDurationMicros();
                if (index < 0) {
                    long startedAt = event.getType() == JobEventType.STAGE_STARTED ? at : at - micros / 1_000;
                    trace.add(StageTrace.newBuilder().setStage(event.getStage())
                            .setStartedAt(Instant.ofEpochMilli(startedAt)).setDurationMicros(micros)
                            .setNote(event.getNote()).build());
                } else if (event.getType() == JobEventType.STAGE_FINISHED) {
                    StageTrace started = trace.get(index);
                    trace.set(index, StageTrace.newBuilder().setStage(started.getStage())
                            .setStartedAt(started.getStartedAt()).setDurationMicros(micros).setNote(event.getNote()).build());
                }
                state.setStatus(JobPhase.RUNNING);
                state.setStage(event.getStage());
                state.setUpdatedAt(event.getAt());
                return state;
            }
            case COMPLETED, FAILED, CANCELLED, EXPIRED -> {
                if (ended) {
                    return null;
                }
                if (state == null) {
                    state = entry(event, JobPhase.RUNNING);
                }
                state.setStatus(JobPhase.valueOf(event.getType().name()));
                state.setStage(event.getStage());
                state.setUpdatedAt(event.getAt());
                state.setPartial(event.getPartial());
                state.setError(event.getError());
                return state;
            }
            default -> {
                return null;
            }
        }
    }

    private static int indexOf(List<StageTrace> trace, String stage) {
        for (int i = 0; i < trace.size(); i++) {
            if (trace.get(i).getStage().equals(stage)) {
                return i;
            }
        }
        return -1;
    }
}
