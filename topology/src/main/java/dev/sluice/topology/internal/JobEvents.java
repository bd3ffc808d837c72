package dev.sluice.topology.internal;

import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.JobEventType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The events of one task's jobs, made by its stages while a record (or a punctuation) is processed
 * and sent on by the processors that lead to the events sink: the intake, when the record is done
 * and from a punctuator, and the collector, before each result. So no stage needs a sink of its own,
 * and a job's events leave in the order they happened, its end last. Events of a job that has ended
 * in this task (a gather's late parts, after a failed one ended the job) are not sent. A stage that
 * starts and finishes a job between two sends sends only its STAGE_FINISHED, which says both: the
 * pipeline's hot path then sends about one event per stage and job, not two.
 */
final class JobEvents {

    /** How many ended jobs a task remembers, to keep their late events back. */
    private static final int ENDED_REMEMBERED = 4_096;

    private final List<JobEvent> pending = new ArrayList<>();
    /** Where each pending STAGE_STARTED is in {@link #pending}, by job and stage. */
    private final Map<String, Integer> started = new java.util.HashMap<>();
    private final Map<String, Boolean> ended = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > ENDED_REMEMBERED;
        }
    };

    static boolean isTerminal(JobEventType type) {
        return switch (type) {
            case COMPLETED, FAILED, CANCELLED, EXPIRED -> true;
            default -> false;
        };
    }

    void add(JobEvent event) {
        JobEventType type = event.getType();
        if (type == JobEventType.ACCEPTED) {
            ended.remove(event.getJobId()); // a replay runs the job again
        } else if (ended.containsKey(event.getJobId())) {
            return;
        }
        if (isTerminal(type)) {
            ended.put(event.getJobId(), Boolean.TRUE);
        } else if (type == JobEventType.STAGE_STARTED) {
            started.put(event.getJobId() + '\u0000' + event.getStage(), pending.size());
        } else if (type == JobEventType.STAGE_FINISHED) {
            // started and finished before anything was sent: the finish says both (at - duration is the start)
            Integer start = started.remove(event.getJobId() + '\u0000' + event.getStage());
            if (start != null) {
                pending.set(start, null);
            }
        }
        pending.add(event);
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** Forwards every pending event from the processor whose {@code context} this is, oldest first. */
    void sendFrom(ProcessorContext<String, ? super Flow.Event> context) {
        if (pending.isEmpty()) {
            return;
        }
        for (JobEvent event : pending) {
            if (event == null) {
                continue;
            }
            context.forward(new Record<>(event.getJobId(), new Flow.Event(event), event.getAt().toEpochMilli(),
                    new RecordHeaders()));
        }
        pending.clear();
        started.clear();
    }

    /** The end of {@code result}'s job, as its result says, at its completion time. */
    static JobEvent ended(dev.sluice.schemas.JobResult result) {
        JobEventType type = switch (result.getStatus()) {
            case COMPLETED -> JobEventType.COMPLETED;
            case CANCELLED -> JobEventType.CANCELLED;
            case EXPIRED -> JobEventType.EXPIRED;
            default -> JobEventType.FAILED;
        };
        var error = result.getError();
        return new JobEvent(result.getJobId(), type, result.getCompletedAt(), error == null ? null : error.getStage(),
                null, null, null, null, result.getPartial(), error, result.getTrace());
    }

    /** An event without stage details: ACCEPTED, or a COMPLETED without a result object (pass-through's copies). */
    static JobEvent of(String jobId, JobEventType type, long at) {
        return new JobEvent(jobId, type, Instant.ofEpochMilli(at), null, null, null, null, null, false, null, List.of());
    }

    static JobEvent started(String jobId, String stage, long at) {
        return new JobEvent(jobId, JobEventType.STAGE_STARTED, Instant.ofEpochMilli(at), stage, null, null, null, null,
                false, null, List.of());
    }

    static JobEvent finished(String jobId, String stage, long at, int parts, int outputs, long micros, String note) {
        return new JobEvent(jobId, JobEventType.STAGE_FINISHED, Instant.ofEpochMilli(at), stage, parts, outputs, micros,
                note, false, null, List.of());
    }
}
