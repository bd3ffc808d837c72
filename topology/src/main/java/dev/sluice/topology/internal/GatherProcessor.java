package dev.sluice.topology.internal;

import dev.sluice.schemas.StageTrace;
import dev.sluice.schemas.internal.EnvelopeKind;
import dev.sluice.schemas.internal.GatherState;
import dev.sluice.topology.GatherStage;
import dev.sluice.topology.Pipeline;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
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
 * Runs one gather stage: collects the parts of each fan-out group in a state store
 * ({@code <stage>-parts}: one entry per waiting part, and one per group saying how many parts it
 * expects and which have come) until all of them are accounted for (payloads and dropped parts), then
 * combines the payloads, in order, into one envelope one level up. A FAILED part fails the group at
 * once. A punctuator flushes a group that waited longer than the timeout with what arrived, marked
 * partial. A part that arrives after its group timed out is counted and sent to the dead-letter
 * topic, never dropped silently; a part of a group that failed is counted and discarded (the job's
 * record is in the dead-letter topic already). Flushed groups are remembered in
 * {@code <stage>-flushed} for ten timeouts, at least ten minutes.
 */
final class GatherProcessor extends StageNode {

    private static final String FAILED = "failed@";
    private static final String TIMED_OUT = "timed-out@";
    private static final String HEADER = "g";
    private static final String PART = "p";

    private final GatherStage<Object, Object> stage;
    private final Duration timeout;
    private final long rememberFlushedMillis;
    private KeyValueStore<String, byte[]> parts;
    private KeyValueStore<String, String> flushed;
    private Sensor lateParts;
    private Sensor discardedParts;

    private final String partsStoreName;
    private final String flushedStoreName;

    @SuppressWarnings("unchecked")
    GatherProcessor(Pipeline.StageDefinition definition, String partsStoreName, String flushedStoreName) {
        super(definition);
        this.partsStoreName = partsStoreName;
        this.flushedStoreName = flushedStoreName;
        this.stage = (GatherStage<Object, Object>) definition.stage();
        this.timeout = definition.timeout();
        this.rememberFlushedMillis = Math.max(timeout.toMillis() * 10, Duration.ofMinutes(10).toMillis());
    }

    @Override
    public void init(ProcessorContext<String, Flow> context) {
        super.init(context);
        this.parts = context.getStateStore(partsStoreName);
        this.flushed = context.getStateStore(flushedStoreName);
        this.lateParts = context.metrics().addRateTotalSensor("sluice-gather", definition.name(), "late-part",
                Sensor.RecordingLevel.INFO);
        this.discardedParts = context.metrics().addRateTotalSensor("sluice-gather", definition.name(),
                "discarded-part", Sensor.RecordingLevel.INFO);
        long interval = Math.max(100, Math.min(timeout.toMillis() / 4, 1_000));
        context.schedule(Duration.ofMillis(interval), PunctuationType.WALL_CLOCK_TIME, this::flushExpired);
    }

    @Override
    public void process(Record<String, Flow> record) {
        if (!(record.value() instanceof Flow.Envelope envelope)) {
            context.forward(record);
            return;
        }
        if (envelope.lineage().depth() == 0) {
            // nothing fanned out before this gather: the job is a group of one
            if (envelope.kind() == EnvelopeKind.FAILED) {
                context.forward(record);
            } else {
                complete(envelope.jobId(), envelope.lineage(), List.of(envelope), false, record.timestamp());
            }
            return;
        }
        String group = groupKey(envelope);
        String flush = flushed.get(group);
        if (flush != null) {
            if (flush.startsWith(FAILED)) {
                // the job already ended FAILED, with its original record in the dead-letter topic
                discardedParts.record();
            } else {
                late(record, envelope, group);
            }
            return;
        }
        byte[] header = parts.get(HEADER + group);
        GatherState state = header == null ? null : EnvelopeCodec.decodeState(header);
        if (envelope.kind() == EnvelopeKind.FAILED) {
            if (state != null) {
                take(group, arrived(state));
            }
            flushed.put(group, FAILED + context.currentSystemTimeMs());
            context.forward(record.withValue(envelope.withLineage(envelope.lineage().parent())));
            return;
        }
        if (state == null) {
            state = new GatherState(envelope.lineage().count(), context.currentSystemTimeMs(), ByteBuffer.wrap(new byte[0]));
        }
        BitSet arrived = arrived(state);
        int index = envelope.lineage().index();
        if (arrived.get(index)) {
            return; // a part seen before, as after a replay
        }
        arrived.set(index);
        if (arrived.cardinality() >= state.getExpected()) {
            arrived.clear(index); // this part never waited
            List<Flow.Envelope> members = take(group, arrived);
            members.add(envelope);
            complete(envelope.jobId(), envelope.lineage().parent(), members, false, record.timestamp());
        } else {
            parts.put(partKey(group, index), EnvelopeCodec.encode(envelope));
            state.setArrived(ByteBuffer.wrap(arrived.toByteArray()));
            parts.put(HEADER + group, EnvelopeCodec.encodeState(state));
        }
    }

    /** Removes a group from the store and returns the parts that waited there. */
    private List<Flow.Envelope> take(String group, BitSet arrived) {
        List<Flow.Envelope> taken = new ArrayList<>(arrived.cardinality() + 1);
        for (int i = arrived.nextSetBit(0); i >= 0; i = arrived.nextSetBit(i + 1)) {
            byte[] part = parts.delete(partKey(group, i));
            if (part != null) {
                taken.add(EnvelopeCodec.decode(part));
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
        Outcome outcome = invoke(first, () -> output[0] = checked(stage.gather(payloads, stageContext)));
        List<StageTrace> merged = Traces.merge(traces);
        Flow.Envelope base = new Flow.Envelope(first.job(), EnvelopeKind.PAYLOAD, up, merged, null, null,
                partial || ordered.stream().anyMatch(Flow.Envelope::partial), first.raw());
        List<StageTrace> trace = base.traceWith(definition.name(), outcome.startedAtMillis(), outcome.nanos());
        Flow.Envelope out = outcome.failed() ? base.failed(outcome.error(), trace)
                : base.withPayload(output[0], up, trace);
        context.forward(new Record<>(jobId, out, timestamp, new RecordHeaders()));
    }

    /** The punctuator: flushes every group that has waited past the timeout, and forgets old flushes. */
    private void flushExpired(long now) {
        List<KeyValue<String, GatherState>> expired = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = parts.prefixScan(HEADER, new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> entry = it.next();
                GatherState state = EnvelopeCodec.decodeState(entry.value);
                if (now - state.getFirstSeenAt() >= timeout.toMillis()) {
                    expired.add(KeyValue.pair(entry.key.substring(HEADER.length()), state));
                }
            }
        }
        for (KeyValue<String, GatherState> entry : expired) {
            List<Flow.Envelope> arrived = take(entry.key, arrived(entry.value));
            flushed.put(entry.key, TIMED_OUT + now);
            if (!arrived.isEmpty()) {
                Flow.Envelope any = arrived.get(0);
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
    }

    private void late(Record<String, Flow> record, Flow.Envelope envelope, String key) {
        lateParts.record();
        String message = "part " + envelope.lineage().index() + " of " + envelope.lineage().count()
                + " arrived after gather '" + definition.name() + "' had flushed its group " + key;
        context.forward(record.withValue(new Flow.DeadLetter(envelope.jobId().getBytes(StandardCharsets.UTF_8),
                EnvelopeCodec.encode(envelope))).withHeaders(ErrorHeaders.of(null, envelope.jobId(),
                definition.name(), "LatePart", message)));
    }

    private static String groupKey(Flow.Envelope envelope) {
        return envelope.jobId() + "|" + envelope.lineage().parent().path();
    }

    /** A part's entry: {@code p<group>#<index>}; the group's own entry is {@code g<group>}, so the two never meet. */
    private static String partKey(String group, int index) {
        return PART + group + "#" + index;
    }
}
