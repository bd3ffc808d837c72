package dev.sluice.topology.internal;

import dev.sluice.schemas.StageTrace;
import dev.sluice.schemas.internal.EnvelopeKind;
import dev.sluice.schemas.internal.GatherState;
import dev.sluice.topology.pipeline.StageDefinition;
import dev.sluice.topology.stage.GatherStage;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Runs one gather stage: collects the parts of each fan-out group until all of them are accounted
 * for (payloads and dropped parts), then combines the payloads, in order, into one envelope one
 * level up. A part that ends its job (FAILED, CANCELLED or EXPIRED) ends the group at once. A punctuator flushes a group that waited longer than the timeout with what arrived, marked
 * partial. A part that arrives after its group timed out is counted and sent to the dead-letter
 * topic, never dropped silently; a part of a group that ended is counted and discarded (a failed
 * job's record is in the dead-letter topic already). Flushed groups are remembered in
 * {@code <stage>-flushed} for ten timeouts, at least ten minutes.
 *
 * <p>A group whose parts all come while one input record is processed (a split hands them on in
 * the call that made them) is gathered in memory. A group still open when the record is done goes
 * to store {@code <stage>-parts} ({@link Held}): one entry per part, and one per group saying how
 * many parts it expects and which have come, with the job's original record, kept once per group
 * so that a job that fails after the wait still sends that record to the dead-letter topic.
 */
final class GatherProcessor extends StageNode {

    private static final String FAILED = "failed@";
    private static final String TIMED_OUT = "timed-out@";
    private static final String HEADER = "g";
    private static final String PART = "p";

    /** A group in the store: its key, its state, and the job's original record if it was kept. */
    private record Stored(String group, GatherState state, Flow.Raw raw) {
    }

    /**
     * A group open in memory: how many parts it expects, since when, which have come, and them; with
     * the job's original record if the group waited in the store with it.
     */
    private record Group(int expected, long firstSeenAt, BitSet arrived, List<Flow.Envelope> parts, Flow.Raw raw) {
        /** The job's original record, as the group's store entry or one of its parts knows it, or null. */
        Flow.Raw anyRaw() {
            return raw != null ? raw : GatherProcessor.anyRaw(parts);
        }

        /** The job's deadline in epoch millis, or null. */
        Long deadline() {
            Instant deadline = parts.isEmpty() ? null : parts.get(0).job().getDeadline();
            return deadline == null ? null : deadline.toEpochMilli();
        }
    }

    private final GatherStage<Object, Object> stage;
    private final Duration timeout;
    private final long rememberFlushedMillis;
    private KeyValueStore<String, byte[]> parts;
    private KeyValueStore<String, String> flushed;
    private Map<String, Group> groups;
    private Sensor lateParts;
    private Sensor discardedParts;

    private final String partsStoreName;
    private final String flushedStoreName;

    @SuppressWarnings("unchecked")
    GatherProcessor(StageDefinition.Gather definition, String partsStoreName, String flushedStoreName) {
        super(definition);
        this.partsStoreName = partsStoreName;
        this.flushedStoreName = flushedStoreName;
        this.stage = (GatherStage<Object, Object>) definition.stage();
        this.timeout = definition.timeout();
        this.rememberFlushedMillis = rememberMillis(timeout);
    }

    @Override
    public void init(ProcessorContext<String, Flow> context) {
        super.init(context);
        this.parts = context.getStateStore(partsStoreName);
        this.flushed = context.getStateStore(flushedStoreName);
        this.groups = held.map(partsStoreName);
        this.lateParts = context.metrics().addRateTotalSensor("sluice-gather", definition.name(), "late-part",
                Sensor.RecordingLevel.INFO);
        this.discardedParts = context.metrics().addRateTotalSensor("sluice-gather", definition.name(),
                "discarded-part", Sensor.RecordingLevel.INFO);
        context.schedule(sweepInterval(timeout), PunctuationType.WALL_CLOCK_TIME, this::flushExpired);
    }

    @Override
    public void process(Record<String, Flow> arriving) {
        if (!(arriving.value() instanceof Flow.Envelope part)) {
            context.forward(arriving);
            return;
        }
        // a part past its job's deadline ends the job here, as a failed part would
        Flow.Envelope expired = part.ended() ? null : stoppedOrNull(part);
        Flow.Envelope envelope = expired != null ? expired : part;
        Record<String, Flow> record = expired != null ? arriving.withValue(expired) : arriving;
        took(envelope);
        if (envelope.lineage().depth() == 0) {
            // nothing fanned out before this gather: the job is a group of one
            if (envelope.ended()) {
                passed(envelope, 0, 0, null);
                context.forward(record);
            } else {
                handled(envelope);
                complete(envelope.jobId(), envelope.lineage(), List.of(envelope), false, record.timestamp());
            }
            return;
        }
        String group = groupKey(envelope);
        // a group open in memory was not flushed: only a group's first part in this record looks
        String flush = groups.containsKey(group) ? null : flushed.get(group);
        if (flush != null) {
            passed(envelope, 0, 0, null);
            if (flush.startsWith(FAILED)) {
                // the job already ended (FAILED, CANCELLED or EXPIRED), its end sent on by the part that ended it
                discardedParts.record();
            } else {
                late(record, envelope, group);
            }
            return;
        }
        Group open = open(group, envelope);
        if (envelope.ended()) {
            passed(envelope, 0, 0, null);
            groups.remove(group);
            flushed.put(group, FAILED + context.currentSystemTimeMs());
            context.forward(record.withValue(envelope.withLineage(envelope.lineage().parent())));
            return;
        }
        int index = envelope.lineage().index();
        if (open.arrived().get(index)) {
            return; // a part seen before, as after a replay
        }
        open.arrived().set(index);
        open.parts().add(envelope);
        handled(envelope);
        if (open.arrived().cardinality() >= open.expected()) {
            groups.remove(group);
            complete(envelope.jobId(), envelope.lineage().parent(), open.parts(), false, record.timestamp());
        }
    }

    /**
     * The group in memory: as left there by an earlier part of this input record, taken from the
     * store if earlier records left parts there, or new.
     */
    private Group open(String group, Flow.Envelope envelope) {
        Group open = groups.get(group);
        if (open == null) {
            byte[] header = parts.get(HEADER + group);
            if (header == null) {
                open = new Group(envelope.lineage().count(), context.currentSystemTimeMs(), new BitSet(), new ArrayList<>(),
                        null);
            } else {
                EnvelopeCodec.Kept kept = EnvelopeCodec.unkeep(header);
                GatherState state = EnvelopeCodec.decodeState(kept.encoded());
                BitSet arrived = arrived(state);
                open = new Group(state.getExpected(), state.getFirstSeenAt(), arrived, take(group, arrived, kept.raw()),
                        kept.raw());
            }
            groups.put(group, open);
        }
        return open;
    }

    /** Writes the groups still open in memory to the store (see {@link Held}). */
    @Override
    void spill() {
        for (Map.Entry<String, Group> entry : groups.entrySet()) {
            String group = entry.getKey();
            Group open = entry.getValue();
            for (Flow.Envelope part : open.parts()) {
                parts.put(partKey(group, part.lineage().index()), EnvelopeCodec.encode(part));
            }
            parts.put(HEADER + group, EnvelopeCodec.keep(EnvelopeCodec.encodeState(GatherState.newBuilder()
                    .setExpected(open.expected()).setFirstSeenAt(open.firstSeenAt())
                    .setArrived(ByteBuffer.wrap(open.arrived().toByteArray())).setDeadline(open.deadline()).build()),
                    open.anyRaw()));
        }
        groups.clear();
    }

    /** Removes a group from the store and returns the parts that waited there, with the job's record {@code raw}. */
    private List<Flow.Envelope> take(String group, BitSet arrived, Flow.Raw raw) {
        List<Flow.Envelope> taken = new ArrayList<>(arrived.cardinality() + 1);
        for (int i = arrived.nextSetBit(0); i >= 0; i = arrived.nextSetBit(i + 1)) {
            byte[] part = parts.delete(partKey(group, i));
            if (part != null) {
                Flow.Envelope envelope = EnvelopeCodec.decode(part);
                taken.add(raw == null ? envelope : envelope.withRaw(raw));
            }
        }
        parts.delete(HEADER + group);
        return taken;
    }

    private static BitSet arrived(GatherState state) {
        return BitSet.valueOf(state.getArrived().duplicate());
    }

    /** Combines the payloads of a group and sends the result one level up. */
    private void complete(String jobId, Lineage up, List<Flow.Envelope> group, boolean partial, long timestamp) {
        List<Flow.Envelope> ordered = new ArrayList<>(group);
        ordered.sort(Comparator.comparingInt(p -> p.lineage().index()));
        List<Object> payloads = new ArrayList<>(ordered.size());
        List<List<StageTrace>> traces = new ArrayList<>(ordered.size());
        for (Flow.Envelope part : ordered) {
            traces.add(part.trace());
            if (part.isPayload()) {
                payloads.add(part.payload());
            }
        }
        Flow.Envelope first = ordered.get(0);
        Object[] output = new Object[1];
        Outcome outcome = invoke(first, ctx -> output[0] = checked(stage.gather(payloads, ctx)));
        List<StageTrace> merged = Traces.merge(traces);
        Flow.Envelope base = new Flow.Envelope(first.job(), EnvelopeKind.PAYLOAD, up, merged, null, null,
                partial || ordered.stream().anyMatch(Flow.Envelope::partial), anyRaw(ordered));
        List<StageTrace> trace = base.traceWith(definition.name(), outcome.startedAtMillis(), outcome.nanos());
        Flow.Envelope out = outcome.failed() ? base.failed(outcome.error(), trace)
                : base.withPayload(output[0], up, trace);
        metrics.in(ordered.size() - 1);
        metrics.group(partial);
        if (!outcome.failed()) {
            metrics.out(1);
        }
        progress.finishIfWhole(jobId, outcome.failed() ? 0 : 1, outcome.nanos(), context.currentSystemTimeMs());
        context.forward(new Record<>(jobId, out, timestamp, new RecordHeaders()));
    }

    /**
     * The punctuator: ends every group whose job was cancelled (CANCELLED) or whose deadline has
     * passed (EXPIRED), flushes every group that has waited past the timeout (partial), and forgets
     * old flushes.
     */
    private void flushExpired(long now) {
        List<Stored> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = parts.prefixScan(HEADER, new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> entry = it.next();
                EnvelopeCodec.Kept kept = EnvelopeCodec.unkeep(entry.value);
                GatherState state = EnvelopeCodec.decodeState(kept.encoded());
                boolean pastDeadline = state.getDeadline() != null && now >= state.getDeadline();
                String group = entry.key.substring(HEADER.length());
                // a cancel before the group's first part would have ended it when a part arrived
                boolean cancelled = cancellations.cancelledSince(group.substring(0, group.lastIndexOf('|')),
                        state.getFirstSeenAt());
                if (pastDeadline || cancelled || now - state.getFirstSeenAt() >= timeout.toMillis()) {
                    expired.add(new Stored(group, state, kept.raw()));
                }
            }
        }
        for (Stored entry : expired) {
            List<Flow.Envelope> arrived = take(entry.group(), arrived(entry.state()), entry.raw());
            if (arrived.isEmpty()) {
                flushed.put(entry.group(), TIMED_OUT + now);
                continue;
            }
            Flow.Envelope any = arrived.get(0);
            Flow.Envelope pastDeadline = stoppedOrNull(new Flow.Envelope(any.job(), EnvelopeKind.PAYLOAD,
                    any.lineage().parent(), Traces.merge(arrived.stream().map(Flow.Envelope::trace).toList()), null,
                    null, false, any.raw()));
            if (pastDeadline != null) {
                // the parts still to come will be discarded, as after a failed part
                flushed.put(entry.group(), FAILED + now);
                context.forward(new Record<>(any.jobId(), pastDeadline, now, new RecordHeaders()));
            } else {
                flushed.put(entry.group(), TIMED_OUT + now);
                complete(any.jobId(), any.lineage().parent(), arrived, true, now);
            }
        }
        List<String> forgotten = new ArrayList<>();
        try (KeyValueIterator<String, String> it = flushed.all()) {
            while (it.hasNext()) {
                KeyValue<String, String> entry = it.next();
                long at = Long.parseLong(entry.value.substring(entry.value.indexOf('@') + 1));
                if (now - at > rememberFlushedMillis) {
                    forgotten.add(entry.key);
                }
            }
        }
        forgotten.forEach(flushed::delete);
        held.spill();
    }

    private void late(Record<String, Flow> record, Flow.Envelope envelope, String key) {
        lateParts.record();
        String message = "part " + envelope.lineage().index() + " of " + envelope.lineage().count()
                + " arrived after gather '" + definition.name() + "' had flushed its group " + key;
        deadLetterLatePart(record, envelope, message);
    }

    /** The job's original record as one of {@code parts} knows it, or null. */
    private static Flow.Raw anyRaw(List<Flow.Envelope> parts) {
        for (Flow.Envelope part : parts) {
            if (part.raw() != null) {
                return part.raw();
            }
        }
        return null;
    }

    private static String groupKey(Flow.Envelope envelope) {
        return envelope.jobId() + "|" + envelope.lineage().parent().path();
    }

    /** A part's entry: {@code p<group>#<index>}; the group's own entry is {@code g<group>}, so the two never meet. */
    private static String partKey(String group, int index) {
        return PART + group + "#" + index;
    }
}
