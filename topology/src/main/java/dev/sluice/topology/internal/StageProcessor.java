package dev.sluice.topology.internal;

import dev.sluice.schemas.StageTrace;
import dev.sluice.topology.Pipeline;
import dev.sluice.topology.Stage;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Runs one map, filter or flat-map stage. A stage that throws fails its job (and only its job): the
 * part goes on as a FAILED envelope, to end the job at the next gather or at the collector. A part
 * the stage drops goes on as a DROPPED envelope, so that a gather still counts it. What is not a
 * payload passes through untouched.
 */
final class StageProcessor extends StageNode {

    private final Stage<Object, Object> stage;
    private final boolean fansOut;

    @SuppressWarnings("unchecked")
    StageProcessor(Pipeline.StageDefinition definition) {
        super(definition);
        this.stage = (Stage<Object, Object>) definition.stage();
        this.fansOut = definition.kind() == Pipeline.Kind.FLAT_MAP;
    }

    @Override
    public void process(Record<String, Flow> record) {
        if (!(record.value() instanceof Flow.Envelope envelope) || !envelope.isPayload()) {
            context.forward(record);
            return;
        }
        Flow.Envelope expired = expiredOrNull(envelope);
        if (expired != null) {
            context.forward(record.withValue(expired));
            return;
        }
        List<Object> outputs = new ArrayList<>(fansOut ? 8 : 1);
        Outcome outcome = invoke(envelope, () -> stage.process(envelope.payload(), stageContext,
                output -> outputs.add(checked(output))));
        List<StageTrace> trace = envelope.traceWith(definition.name(), outcome.startedAtMillis(), outcome.nanos(),
                outcome.note());
        if (outcome.failed()) {
            context.forward(record.withValue(envelope.failed(outcome.error(), trace)));
        } else if (outputs.isEmpty()) {
            context.forward(record.withValue(envelope.dropped(trace)));
        } else if (!fansOut && outputs.size() > 1) {
            context.forward(record.withValue(envelope.failed(error(IllegalStateException.class.getName(),
                    "stage emitted " + outputs.size() + " outputs for one input; a stage that fans out must be"
                            + " declared as a flat-map"), trace)));
        } else if (!fansOut) {
            context.forward(record.withValue(envelope.withPayload(outputs.get(0), envelope.lineage(), trace)));
        } else {
            int n = outputs.size();
            for (int i = 0; i < n; i++) {
                Lineage part = envelope.lineage().child(i, n);
                context.forward(record.withValue(envelope.withPayload(outputs.get(i), part, trace)));
            }
        }
    }
}
