package dev.sluice.topology.internal;

import dev.sluice.schemas.StageError;
import dev.sluice.schemas.StageTrace;
import dev.sluice.schemas.internal.EnvelopeKind;
import dev.sluice.topology.JoinStage;
import dev.sluice.topology.Pipeline;
import java.util.List;
import org.apache.kafka.streams.kstream.ValueJoiner;

/**
 * The value joiner of a join stage: a failed side fails the part, a dropped side drops it, and two
 * payloads go to the join stage. Kafka Streams' join finds the pairs; this decides what they make.
 */
final class JoinLogic implements ValueJoiner<Flow, Flow, Flow> {

    private final Pipeline.StageDefinition definition;
    private final JoinStage<Object, Object, Object> stage;
    private final BoundContext stageContext;

    @SuppressWarnings("unchecked")
    JoinLogic(Pipeline.StageDefinition definition) {
        this.definition = definition;
        this.stage = (JoinStage<Object, Object, Object>) ((Pipeline.JoinSides) definition.stage()).stage();
        this.stageContext = new BoundContext(definition.name());
    }

    @Override
    public Flow apply(Flow leftFlow, Flow rightFlow) {
        Flow.Envelope left = (Flow.Envelope) leftFlow;
        Flow.Envelope right = (Flow.Envelope) rightFlow;
        List<StageTrace> both = Traces.merge(List.of(left.trace(), right.trace()));
        Flow.Envelope base = new Flow.Envelope(left.job(), EnvelopeKind.PAYLOAD, left.lineage(), both, null, null,
                left.partial() || right.partial(), left.raw() != null ? left.raw() : right.raw());
        if (left.kind() == EnvelopeKind.FAILED || right.kind() == EnvelopeKind.FAILED) {
            return base.failed(left.kind() == EnvelopeKind.FAILED ? left.error() : right.error(), both);
        }
        if (left.kind() == EnvelopeKind.DROPPED || right.kind() == EnvelopeKind.DROPPED) {
            return base.dropped(both);
        }
        long startedAt = System.currentTimeMillis();
        long t0 = System.nanoTime();
        try {
            Object out = stage.join(left.payload(), right.payload(), stageContext.bind(left.job()));
            if (out == null || !definition.outputType().isInstance(out)) {
                throw new ClassCastException("join stage returned " + (out == null ? "null" : "a " + out.getClass().getName())
                        + " but is declared to return " + definition.outputType().getName());
            }
            return base.withPayload(out, left.lineage(), base.traceWith(definition.name(), startedAt, System.nanoTime() - t0));
        } catch (Exception | StackOverflowError | AssertionError | LinkageError e) {
            StageError error = StageError.newBuilder().setStage(definition.name()).setErrorClass(e.getClass().getName())
                    .setMessage(StageNode.messageOf(e)).setAttempts(1).build();
            return base.failed(error, base.traceWith(definition.name(), startedAt, System.nanoTime() - t0));
        }
    }
}
