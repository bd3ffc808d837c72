package dev.sluice.topology.internal;

import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.JobEventType;
import dev.sluice.schemas.JobEvents;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.Jobs;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The events of one task's jobs, made by its stages while a record (or a punctuation) is processed
 * and sent on by the processors that lead to the events sink, one {@link JobEvents} record per job:
 * the intake, when the record is done and from a punctuator, and the collector, before each result.
 * So no stage needs a sink of its own, and a job's events leave in the order they happened, its end
 * last. Events of a job that has ended
 * in this task (a gather's late parts, after a failed one ended the job) are not sent. A stage that
 * starts and finishes a job between two sends sends only its STAGE_FINISHED, which says both: the
 * pipeline's hot path then sends about one event per stage and job, not two.
 */
final class EventBuffer {

    /** How many ended jobs a task remembers, to keep their late events back. */
    private static final int ENDED_REMEMBERED = 4_096;

    /** Each job's pending events, in order; jobs in the order of their first pending event. */
    private final Map<String, List<JobEvent>> pending = new LinkedHashMap<>();
    private final Map<String, Boolean> ended = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > ENDED_REMEMBERED;
        }
    };

    /** False when the pipeline sends no events ({@code events.enabled=false}): nothing is kept or sent. */
    private final boolean enabled;
    /** Told the id of each job that ends in this task: the stages' progress, which then forgets it. */
    private final List<Consumer<String>> endListeners = new ArrayList<>();

    EventBuffer(boolean enabled) {
        this.enabled = enabled;
    }

    /** Whether events are kept and sent; when not, callers need not make them. */
    boolean enabled() {
        return enabled;
    }

    /** {@code listener} is told the id of every job whose end event is added from now on. */
    void onEnd(Consumer<String> listener) {
        endListeners.add(listener);
    }

    /** Whether {@code jobId} has ended in this task (and not been accepted again since), as far as it remembers. */
    boolean hasEnded(String jobId) {
        return ended.containsKey(jobId);
    }

    void add(JobEvent event) {
        if (!enabled) {
            return;
        }
        JobEventType type = event.getType();
        String jobId = event.getJobId();
        if (type == JobEventType.ACCEPTED) {
            ended.remove(jobId); // a replay runs the job again
        } else if (ended.containsKey(jobId)) {
            return;
        }
        if (Jobs.isEnd(type)) {
            ended.put(jobId, Boolean.TRUE);
            for (Consumer<String> listener : endListeners) {
                listener.accept(jobId);
            }
        }
        List<JobEvent> job = pending.computeIfAbsent(jobId, id -> new ArrayList<>(8));
        if (type == JobEventType.STAGE_FINISHED) {
            // started and finished before anything was sent: the finish says both (at - duration is the start)
            for (int i = job.size() - 1; i >= 0; i--) {
                JobEvent earlier = job.get(i);
                if (earlier.getType() == JobEventType.STAGE_STARTED && earlier.getStage().equals(event.getStage())) {
                    job.remove(i);
                    break;
                }
            }
        }
        job.add(event);
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** Forwards every job's pending events, one record per job, from the processor whose {@code context} this is. */
    void sendFrom(ProcessorContext<String, ? super Flow.Event> context) {
        if (pending.isEmpty()) {
            return;
        }
        for (Map.Entry<String, List<JobEvent>> job : pending.entrySet()) {
            List<JobEvent> events = job.getValue();
            long at = events.get(events.size() - 1).getAt().toEpochMilli();
            context.forward(new Record<>(job.getKey(), new Flow.Event(new JobEvents(job.getKey(), events)), at,
                    new RecordHeaders()));
        }
        pending.clear();
    }

    /** The end of {@code result}'s job, as its result says, at its completion time. */
    static JobEvent ended(JobResult result) {
        JobEventType type = switch (result.getStatus()) {
            case COMPLETED -> JobEventType.COMPLETED;
            case CANCELLED -> JobEventType.CANCELLED;
            case EXPIRED -> JobEventType.EXPIRED;
            default -> JobEventType.FAILED;
        };
        var error = result.getError();
        // no trace: the job's stage events tell it, and the result has it whole
        JobEvent event = event(result.getJobId(), type, result.getCompletedAt().toEpochMilli());
        event.setStage(error == null ? null : error.getStage());
        event.setPartial(result.getPartial());
        event.setError(error);
        return event;
    }

    /** An event without stage details: ACCEPTED, or a COMPLETED without a result object (pass-through's copies). */
    static JobEvent of(String jobId, JobEventType type, long at) {
        return event(jobId, type, at);
    }

    static JobEvent started(String jobId, String stage, long at) {
        JobEvent event = event(jobId, JobEventType.STAGE_STARTED, at);
        event.setStage(stage);
        return event;
    }

    static JobEvent finished(String jobId, String stage, long at, int parts, int outputs, long micros, String note) {
        JobEvent event = event(jobId, JobEventType.STAGE_FINISHED, at);
        event.setStage(stage);
        event.setParts(parts);
        event.setOutputs(outputs);
        event.setDurationMicros(micros);
        event.setNote(note);
        return event;
    }

    /** How much of an output an OUTPUT event carries, in characters. */
    static final int OUTPUT_MAX_CHARS = 65_536;

    /**
     * An output {@code stage} made for {@code jobId} from its part {@code part} (null: the job whole), as
     * text: a string as it is, anything else (an Avro record: its JSON form) as {@code toString} gives it,
     * cut to {@value #OUTPUT_MAX_CHARS} characters.
     */
    static JobEvent output(String jobId, String stage, long at, Object output, String part) {
        String text = String.valueOf(output);
        if (text.length() > OUTPUT_MAX_CHARS) {
            text = text.substring(0, OUTPUT_MAX_CHARS) + "... (cut: " + text.length() + " characters in all)";
        }
        JobEvent event = event(jobId, JobEventType.OUTPUT, at);
        event.setStage(stage);
        event.setOutput(text);
        event.setPart(part);
        return event;
    }

    /**
     * An event with what every event has, its other fields as the schema's defaults have them (null,
     * partial false). Not through {@code JobEvent.newBuilder()}, whose {@code build()} looks up and
     * copies the default of each of the nine fields left unset: on the hot path, a few events per job.
     */
    private static JobEvent event(String jobId, JobEventType type, long at) {
        JobEvent event = new JobEvent();
        event.setJobId(jobId);
        event.setType(type);
        event.setAt(Instant.ofEpochMilli(at));
        event.setPartial(false);
        return event;
    }
}
