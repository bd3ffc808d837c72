package dev.sluice.topology.internal;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobEvents;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.StageError;
import dev.sluice.schemas.StageTrace;
import dev.sluice.schemas.internal.EnvelopeKind;
import dev.sluice.serdes.Topic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What travels between Sluice's processors: a job's envelope on its way through the stages, and the
 * three things that leave the topology (a result, an event, a dead letter).
 */
sealed interface Flow {

    /**
     * A job, or one part of it, between stages. {@code kind} says whether it carries a payload, or
     * stands for a part that a stage dropped or failed on, so that gathers can account for every part.
     * Self-contained: it can be stored or written to a topic ({@link EnvelopeCodec}). Only
     * {@code raw}, the job's original record, is lost on the way through a topic.
     */
    record Envelope(Job job, EnvelopeKind kind, Lineage lineage, List<StageTrace> trace, Object payload,
                    StageError error, boolean partial, Raw raw) implements Flow {

        static Envelope start(Job job, Object payload, Raw raw, List<StageTrace> trace) {
            return new Envelope(job, EnvelopeKind.PAYLOAD, Lineage.ROOT, trace, payload, null, false, raw);
        }

        String jobId() {
            return job.getJobId();
        }

        boolean isPayload() {
            return kind == EnvelopeKind.PAYLOAD;
        }

        Envelope withPayload(Object newPayload, Lineage newLineage, List<StageTrace> newTrace) {
            return new Envelope(job, EnvelopeKind.PAYLOAD, newLineage, newTrace, newPayload, null, partial, raw);
        }

        Envelope dropped(List<StageTrace> newTrace) {
            return new Envelope(job, EnvelopeKind.DROPPED, lineage, newTrace, null, null, partial, raw);
        }

        Envelope failed(StageError stageError, List<StageTrace> newTrace) {
            return ending(EnvelopeKind.FAILED, stageError, newTrace);
        }

        /** The part as it goes on once its job was cancelled at the stage {@code stageError} names. */
        Envelope cancelled(StageError stageError, List<StageTrace> newTrace) {
            return ending(EnvelopeKind.CANCELLED, stageError, newTrace);
        }

        /** The part as it goes on once its job's deadline has passed at the stage {@code stageError} names. */
        Envelope expired(StageError stageError, List<StageTrace> newTrace) {
            return ending(EnvelopeKind.EXPIRED, stageError, newTrace);
        }

        /** This job's part, ending the job as {@code ended} (a part of the same job) does. */
        Envelope endedAs(Envelope ended, List<StageTrace> newTrace) {
            return ending(ended.kind, ended.error, newTrace);
        }

        private Envelope ending(EnvelopeKind endKind, StageError stageError, List<StageTrace> newTrace) {
            return new Envelope(job, endKind, lineage, newTrace, null, stageError, partial, raw);
        }

        /**
         * Whether this part ends its job (FAILED, CANCELLED or EXPIRED): no later stage runs for it, and a
         * gather drops the job's other parts.
         */
        boolean ended() {
            return kind == EnvelopeKind.FAILED || kind == EnvelopeKind.CANCELLED || kind == EnvelopeKind.EXPIRED;
        }

        Envelope withRaw(Raw newRaw) {
            return new Envelope(job, kind, lineage, trace, payload, error, partial, newRaw);
        }

        Envelope withLineage(Lineage newLineage) {
            return new Envelope(job, kind, newLineage, trace, payload, error, partial, raw);
        }

        /** This envelope's trace with one more entry. */
        List<StageTrace> traceWith(String stage, long startedAtMillis, long nanos) {
            return traceWith(stage, startedAtMillis, nanos, null);
        }

        /** This envelope's trace with one more entry, with a note. */
        List<StageTrace> traceWith(String stage, long startedAtMillis, long nanos, String note) {
            List<StageTrace> next = new ArrayList<>(trace.size() + 1);
            next.addAll(trace);
            next.add(StageTrace.newBuilder().setStage(stage)
                    .setStartedAt(Instant.ofEpochMilli(startedAtMillis))
                    .setDurationMicros(nanos / 1_000).setNote(note).build());
            return next;
        }
    }

    /**
     * A payload as it came, in the wire format of its own schema, never decoded: what a pass-through
     * job carries from its job to its result.
     */
    record Encoded(byte[] bytes) {
    }

    /** An envelope with the route a branch chose for it: an index into its routes, or -1 for the default path. */
    record Routed(int route, Envelope envelope) implements Flow {
    }

    /** The job's original record, for the dead-letter topic; only known in the sub-topology that read it. */
    record Raw(byte[] key, byte[] value, ErrorHeaders.SourcePosition position) {
    }

    /**
     * The job's terminal result, for the results topic; {@code bytes} if it is serialized already.
     * Pass-through mode's copies ({@link PassThroughCopy}) have only the bytes.
     */
    record Emit(JobResult result, byte[] bytes) implements Flow {

        Emit(JobResult result) {
            this(result, null);
        }

        /** The result in the topic's wire format. */
        byte[] bytes(Topic<String, JobResult> topic) {
            return bytes != null ? bytes : topic.valueSerde().serializer().serialize(topic.name(), result);
        }
    }

    /** A job's progress, for the events topic; see {@link EventBuffer}. */
    record Event(JobEvents events) implements Flow {
    }

    /** A record for the dead-letter topic; the error is in the record's headers. */
    record DeadLetter(byte[] key, byte[] value) implements Flow {
    }
}
