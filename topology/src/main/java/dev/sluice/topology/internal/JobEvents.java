package dev.sluice.topology.internal;

import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.JobEventType;
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
 * in this task (a gather's late parts, after a failed one ended the job) are not sent.
 */
final class JobEvents {

    /** How many ended jobs a task remembers, to keep their late events back. */
    private static final int ENDED_REMEMBERED = 4_096;

    private final List<JobEvent> pending = new ArrayList<>();
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
            context.forward(new Record<>(event.getJobId(), new Flow.Event(event), event.getAt().toEpochMilli(),
                    new RecordHeaders()));
        }
        pending.clear();
    }

    /** The end of {@code result}'s job, as its result says, at its completion time. */
    static JobEvent ended(dev.sluice.schemas.JobResult result) {
        JobEventType type = switch (result.getStatus()) {
            case COMPLETED -> JobEventType.COMPLETED;
            case CANCELLED -> JobEventType.CANCELLED;
            case EXPIRED -> JobEventType.EXPIRED;
            default -> JobEventType.FAILED;
        };
        return event(result.getJobId(), type, result.getCompletedAt().toEpochMilli()).setPartial(result.getPartial())
                .setError(result.getError()).setStage(result.getError() == null ? null : result.getError().getStage())
                .build();
    }

    static JobEvent accepted(String jobId, long at) {
        return event(jobId, JobEventType.ACCEPTED, at).build();
    }

    static JobEvent.Builder event(String jobId, JobEventType type, long at) {
        return JobEvent.newBuilder().setJobId(jobId).setType(type).setAt(java.time.Instant.ofEpochMilli(at));
    }
}
