package dev.sluice.topology.internal;

import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.JobEventType;
import dev.sluice.schemas.StageTrace;
import dev.sluice.schemas.internal.JobPhase;
import dev.sluice.schemas.internal.StatusEntry;
import dev.sluice.serdes.SchemaRegistryUnavailableException;
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
 * ACCEPTED, RUNNING at the stage of its latest stage event (with the stages so far as its trace), then
 * how it ended, with its result's trace. An event that comes after its job's end (a late part's) does
 * not change the status, but an ACCEPTED one does: a job sent again from the dead-letter topic runs
 * again. An event that cannot be read is skipped, with a warning: the status is a view, and the job's
 * result is on the results topic whatever happens here.
 *
 * <p>The store is a cached key-value store, so that a job's many events in one commit interval cost
 * one write, and a query sees the cache. Entries expire {@code status.retention.ms} after their first
 * event: store {@value ResourceNames#STATUS_EXPIRY} indexes them by that time ({@code
 * <16 hex digits of millis>|<job id>}, in time order), and a punctuator removes what is older, from
 * the front of the index.
 */
final class StatusProcessor implements Processor<byte[], byte[], Void, Void> {

    private static final Logger log = LoggerFactory.getLogger(StatusProcessor.class);
    /** The most entries one punctuation removes; the rest go at the next. */
    private static final int EXPIRE_CHUNK = 10_000;

    private final Deserializer<JobEvent> events;
    private final String topic;
    private final long retentionMillis;
    private KeyValueStore<String, byte[]> store;
    private KeyValueStore<String, byte[]> expiry;
    private long skipped;

    StatusProcessor(Deserializer<JobEvent> events, String topic, long retentionMillis) {
        this.events = events;
        this.topic = topic;
        this.retentionMillis = retentionMillis;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.store = context.getStateStore(ResourceNames.STATUS);
        this.expiry = context.getStateStore(ResourceNames.STATUS_EXPIRY);
        context.schedule(java.time.Duration.ofMillis(Math.min(60_000, retentionMillis / 10)),
                PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        JobEvent event;
        try {
            event = record.value() == null ? null : events.deserialize(topic, record.value());
        } catch (SerializationException | SchemaRegistryUnavailableException e) {
            if (skipped++ % 1_000 == 0) {
                log.warn("skipped an event on {} that cannot be read ({} so far): {}", topic, skipped, e.getMessage());
            }
            return;
        }
        if (event == null || event.getType() == JobEventType.UNKNOWN) {
            return;
        }
        byte[] stored = store.get(event.getJobId());
        StatusEntry before = stored == null ? null : EnvelopeCodec.decodeStatus(stored);
        StatusEntry after = apply(before, event);
        if (after == null) {
            return;
        }
        if (before == null || before.getSince() != after.getSince()) {
            expiry.put(expiryKey(after.getSince(), event.getJobId()), NOTHING);
        }
        store.put(event.getJobId(), EnvelopeCodec.encodeStatus(after));
    }

    private static final byte[] NOTHING = new byte[0];

    static String expiryKey(long since, String jobId) {
        return String.format("%016x|%s", since, jobId);
    }

    /** Removes the entries whose first event is older than the retention, oldest first, at most a chunk. */
    private void expire(long now) {
        String cutoff = String.format("%016x", Math.max(0, now - retentionMillis));
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = expiry.all()) {
            while (it.hasNext() && expired.size() < EXPIRE_CHUNK) {
                String key = it.next().key;
                if (key.compareTo(cutoff) >= 0) {
                    break;
                }
                expired.add(key);
            }
        }
        for (String key : expired) {
            expiry.delete(key);
            String jobId = key.substring(17);
            byte[] stored = store.get(jobId);
            // a job accepted again since has an index entry of its own
            if (stored != null && expiryKey(EnvelopeCodec.decodeStatus(stored).getSince(), jobId).equals(key)) {
                store.delete(jobId);
            }
        }
    }

    static boolean isEnded(JobPhase phase) {
        return switch (phase) {
            case COMPLETED, FAILED, CANCELLED, EXPIRED -> true;
            default -> false;
        };
    }

    /** The status after {@code event}, or null when it does not change. */
    static StatusEntry apply(StatusEntry before, JobEvent event) {
        long at = event.getAt().toEpochMilli();
        boolean ended = before != null && isEnded(before.getStatus());
        switch (event.getType()) {
            case ACCEPTED -> {
                if (before != null && !ended) {
                    // read again, as after a crash under at_least_once: the job is where it was
                    return before.getAcceptedAt() != null ? null
                            : StatusEntry.newBuilder(before).setAcceptedAt(event.getAt()).build();
                }
                return StatusEntry.newBuilder().setJobId(event.getJobId()).setStatus(JobPhase.ACCEPTED)
                        .setAcceptedAt(event.getAt()).setUpdatedAt(event.getAt()).setSince(at).build();
            }
            case STAGE_STARTED, STAGE_FINISHED -> {
                if (ended) {
                    return null;
                }
                StatusEntry.Builder next = before == null
                        ? StatusEntry.newBuilder().setJobId(event.getJobId()).setAcceptedAt(null).setSince(at)
                        : StatusEntry.newBuilder(before);
                List<StageTrace> trace = new ArrayList<>(before == null ? List.of() : before.getTrace());
                int index = indexOf(trace, event.getStage());
                long micros = event.getDurationMicros() == null ? 0 : event.getDurationMicros();
                if (index < 0) {
                    long startedAt = event.getType() == JobEventType.STAGE_STARTED ? at : at - micros / 1_000;
                    trace.add(StageTrace.newBuilder().setStage(event.getStage()).setStartedAt(Instant.ofEpochMilli(startedAt))
                            .setDurationMicros(micros).setNote(event.getNote()).build());
                } else if (event.getType() == JobEventType.STAGE_FINISHED) {
                    trace.set(index, StageTrace.newBuilder(trace.get(index)).setDurationMicros(micros)
                            .setNote(event.getNote()).build());
                }
                return next.setStatus(JobPhase.RUNNING).setStage(event.getStage()).setUpdatedAt(event.getAt())
                        .setTrace(trace).build();
            }
            case COMPLETED, FAILED, CANCELLED, EXPIRED -> {
                if (ended) {
                    return null;
                }
                StatusEntry.Builder next = before == null
                        ? StatusEntry.newBuilder().setJobId(event.getJobId()).setAcceptedAt(null).setSince(at)
                        : StatusEntry.newBuilder(before);
                return next.setStatus(JobPhase.valueOf(event.getType().name())).setStage(event.getStage())
                        .setUpdatedAt(event.getAt()).setPartial(event.getPartial()).setError(event.getError())
                        .setTrace(event.getTrace().isEmpty() && before != null ? before.getTrace() : event.getTrace())
                        .build();
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
