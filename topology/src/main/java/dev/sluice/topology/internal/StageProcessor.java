package dev.sluice.topology.internal;

import dev.sluice.topology.Pipeline;
import dev.sluice.topology.Stage;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Runs one map, filter or flat-map stage. What is not a payload passes through untouched. A stage
 * that throws fails its job (and only its job); the stream thread carries on.
 */
final class StageProcessor extends StageNode {

    private final Stage<Object, Object> stage;

    @SuppressWarnings("unchecked")
    StageProcessor(Pipeline.StageDefinition definition) {
        super(definition);
        this.stage = (Stage<Object, Object>) definition.stage();
    }

    @Override
    public void process(Record<String, Flow> record) {
        if (!(record.value() instanceof Flow.Envelope envelope)) {
            context.forward(record);
            return;
        }
        JobRun run = envelope.run();
        if (run.failed()) {
            return;
        }
        boolean fansOut = definition.kind() == Pipeline.Kind.FLAT_MAP;
        List<Object> outputs = new ArrayList<>(fansOut ? 8 : 1);
        if (!invoke(run, () -> stage.process(envelope.payload(), stageContext, output -> outputs.add(checked(output))))) {
            return;
        }
        if (!fansOut && outputs.size() > 1) {
            run.fail(definition.name(), IllegalStateException.class.getName(), "stage emitted " + outputs.size()
                    + " outputs for one input; a stage that fans out must be declared as a flat-map");
            return;
        }
        for (int i = 0; i < outputs.size(); i++) {
            Lineage lineage = fansOut ? new Lineage(envelope.lineage(), i) : envelope.lineage();
            context.forward(record.withValue(new Flow.Envelope(run, outputs.get(i), lineage)));
        }
    }
}
