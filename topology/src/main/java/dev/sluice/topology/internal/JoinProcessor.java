package dev.sluice.topology.internal;

import dev.sluice.schemas.StageTrace;
import dev.sluice.schemas.internal.EnvelopeKind;
import dev.sluice.topology.pipeline.StageDefinition;
import dev.sluice.topology.stage.JoinStage;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * One side of a join stage. Both sides of a join run in the task that holds the job (every stage of
 * a segment is one sub-topology, keyed by job), so the two sides meet in a key-value store
 * ({@code <join>-store}) shared by the left and right processor, with no repartition: the first side
 * of a part to arrive waits under {@code <job id>|<part path>}, the second finds it, and the pair
 * goes to the join stage. Most pairs meet within one input record: the first side waits in memory
 * and reaches the store only if the record is done before its partner comes ({@link Held}).
 *
 * <p>A failed side fails the part, a dropped side drops it. A side whose partner has not come
 * within the window goes on as a DROPPED part marked partial, with a note in its trace, so the job
 * ends (at its gather) as a partial result that says what is missing; the part's key is remembered
 * for ten windows (at least ten minutes), and a partner that comes after all is sent to the
 * dead-letter topic as a late part rather than starting a second result.
 */
final class JoinProcessor extends StageNode {

    enum Side { LEFT, RIGHT }

    private static final byte WAITING_LEFT = 0;
    private static final byte WAITING_RIGHT = 1;
    private static final byte GAVE_UP = 2;
    private static final int HEADER = 1 + Long.BYTES;

    private final Side side;
    private final String storeName;
    private final JoinStage<Object, Object, Object> stage;
    private final Duration window;
    private final long windowMillis;
    private final long rememberMillis;
    private KeyValueStore<String, byte[]> store;
    private Map<String, Waiting> waiting;

    /** A side waiting in memory (see {@link Held}), and since when. */
    private record Waiting(byte state, long since, Flow.Envelope envelope) {
    }

    @SuppressWarnings("unchecked")
    JoinProcessor(StageDefinition.Join definition, Side side, String storeName) {
        super(definition);
        this.side = side;
        this.storeName = storeName;
        this.stage = (JoinStage<Object, Object, Object>) definition.stage();
        this.window = definition.window();
        this.windowMillis = window.toMillis();
        this.rememberMillis = rememberMillis(window);
    }

    @Override
    public void init(ProcessorContext<String, Flow> context) {
        super.init(context);
        this.store = context.getStateStore(storeName);
        this.waiting = held.map(storeName);
        if (side == Side.LEFT) {
            // one of the two processors sweeps the store they share
            context.schedule(sweepInterval(window), PunctuationType.WALL_CLOCK_TIME, this::sweep);
        }
    }

    @Override
    public void process(Record<String, Flow> record) {
        if (!(record.value() instanceof Flow.Envelope envelope)) {
            context.forward(record);
            return;
        }
        took(envelope);
        String key = envelope.jobId() + "|" + envelope.lineage().path();
        Waiting inMemory = waiting.get(key);
        if (inMemory != null && inMemory.state() != waiting(side)) {
            waiting.remove(key);
            context.forward(record.withValue(pair(envelope, inMemory.envelope())));
            return;
        }
        byte[] stored = inMemory != null ? null : store.get(key);
        byte state = stored == null ? -1 : stored[0];
        if (state == GAVE_UP) {
            late(record, envelope, key);
        } else if (stored == null || state == waiting(side)) {
            // first of the pair (or this side again, as after a replay): wait for the other
            waiting.put(key, new Waiting(waiting(side), context.currentSystemTimeMs(), envelope));
        } else {
            store.delete(key);
            Flow.Envelope other = EnvelopeCodec.decode(Arrays.copyOfRange(stored, HEADER, stored.length));
            context.forward(record.withValue(pair(envelope, other)));
        }
    }

    private Flow.Envelope pair(Flow.Envelope mine, Flow.Envelope other) {
        return side == Side.LEFT ? join(mine, other) : join(other, mine);
    }

    /** Writes the sides still waiting in memory to the store (see {@link Held}). */
    @Override
    void spill() {
        for (Map.Entry<String, Waiting> entry : waiting.entrySet()) {
            Waiting w = entry.getValue();
            store.put(entry.getKey(), entry(w.state(), w.since(), EnvelopeCodec.encode(w.envelope())));
        }
        waiting.clear();
    }

    /** What a pair makes: a failed side fails it, a dropped side drops it, two payloads go to the stage. */
    private Flow.Envelope join(Flow.Envelope left, Flow.Envelope right) {
        List<StageTrace> both = Traces.merge(List.of(left.trace(), right.trace()));
        Flow.Envelope base = new Flow.Envelope(left.job(), EnvelopeKind.PAYLOAD, left.lineage(), both, null, null,
                left.partial() || right.partial(), left.raw() != null ? left.raw() : right.raw());
        if (left.ended() || right.ended()) {
            passed(base, 0, 0, null);
            return base.endedAs(left.ended() ? left : right, both);
        }
        if (left.kind() == EnvelopeKind.DROPPED || right.kind() == EnvelopeKind.DROPPED) {
            passed(base, 0, 0, null);
            return base.dropped(both);
        }
        Flow.Envelope expired = stoppedOrNull(base);
        if (expired != null) {
            passed(base, 0, 0, null);
            return expired;
        }
        Object[] output = new Object[1];
        Outcome outcome = invoke(left, ctx -> output[0] = checked(stage.join(left.payload(), right.payload(), ctx)));
        List<StageTrace> trace = base.traceWith(definition.name(), outcome.startedAtMillis(), outcome.nanos(),
                outcome.note());
        metrics.in(1);
        if (!outcome.failed()) {
            metrics.out(1);
        }
        passed(base, outcome.failed() ? 0 : 1, outcome.nanos(), outcome.note());
        return outcome.failed() ? base.failed(outcome.error(), trace) : base.withPayload(output[0], left.lineage(), trace);
    }

    /** The punctuator: gives up on sides that waited past the window, and forgets old give-ups. */
    private void sweep(long now) {
        List<KeyValue<String, byte[]>> expired = new ArrayList<>();
        List<String> forgotten = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> entry = it.next();
                long since = ByteBuffer.wrap(entry.value, 1, Long.BYTES).getLong();
                if (entry.value[0] == GAVE_UP) {
                    if (now - since > rememberMillis) {
                        forgotten.add(entry.key);
                    }
                } else if (now - since >= windowMillis) {
                    expired.add(entry);
                }
            }
        }
        forgotten.forEach(store::delete);
        for (KeyValue<String, byte[]> entry : expired) {
            store.put(entry.key, entry(GAVE_UP, now, new byte[0]));
            Flow.Envelope lone = EnvelopeCodec.decode(Arrays.copyOfRange(entry.value, HEADER, entry.value.length));
            String missing = entry.value[0] == WAITING_LEFT ? "right" : "left";
            String note = "no " + missing + " side (" + definition.inputs().get(missing.equals("left") ? 0 : 1)
                    + ") within " + windowMillis + " ms";
            List<StageTrace> trace = lone.traceWith(definition.name(), now, 0, note);
            Flow.Envelope dropped = new Flow.Envelope(lone.job(), EnvelopeKind.DROPPED, lone.lineage(), trace, null, null,
                    true, null);
            passed(lone, 0, 0, note);
            context.forward(new Record<>(lone.jobId(), dropped, now, new RecordHeaders()));
        }
        held.spill();
    }

    private void late(Record<String, Flow> record, Flow.Envelope envelope, String key) {
        String message = "the " + side.name().toLowerCase(Locale.ROOT) + " side of part " + key
                + " arrived after join '" + definition.name() + "' had given up waiting for it";
        deadLetterLatePart(record, envelope, message);
    }

    private static byte waiting(Side side) {
        return side == Side.LEFT ? WAITING_LEFT : WAITING_RIGHT;
    }

    private static byte[] entry(byte state, long millis, byte[] envelope) {
        return ByteBuffer.allocate(HEADER + envelope.length).put(state).putLong(millis).put(envelope).array();
    }
}
