package dev.sluice.topology.internal;

import dev.sluice.topology.Pipeline;
import dev.sluice.topology.Stage;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Runs one map, filter or flat-map stage. What is not a payload passes through untouched. A stage
 * that throws fails its job (and only its job); the stream thread carries on.
 */
final class StageProcessor implements Processor<String, Flow, String, Flow> {

    private final Pipeline.StageDefinition definition;
    private final Stage<Object, Object> stage;
    private final BoundContext stageContext;
    private ProcessorContext<String, Flow> context;

    @SuppressWarnings("unchecked")
    StageProcessor(Pipeline.StageDefinition definition) {
        this.definition = definition;
        this.stage = (Stage<Object, Object>) definition.stage();
        this.stageContext = new BoundContext(definition.name());
    }

    @Override
    public void init(ProcessorContext<String, Flow> context) {
        this.context = context;
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
        List<Object> outputs = new ArrayList<>(definition.kind() == Pipeline.Kind.FLAT_MAP ? 8 : 1);
        long startedAt = context.currentSystemTimeMs();
        long t0 = System.nanoTime();
        try {
            stage.process(envelope.payload(), stageContext.bind(run), output -> outputs.add(checked(output)));
        } catch (Exception | StackOverflowError | AssertionError | LinkageError e) {
            run.fail(definition.name(), e);
            return;
        } finally {
            run.record(definition.name(), startedAt, System.nanoTime() - t0);
        }
        if (definition.kind() != Pipeline.Kind.FLAT_MAP && outputs.size() > 1) {
            run.fail(definition.name(), IllegalStateException.class.getName(), "stage emitted " + outputs.size()
                    + " outputs for one input; a stage that fans out must be declared as a flat-map");
            return;
        }
        for (int i = 0; i < outputs.size(); i++) {
            Lineage lineage = definition.kind() == Pipeline.Kind.FLAT_MAP
                    ? new Lineage(envelope.lineage(), i) : envelope.lineage();
            context.forward(record.withValue(new Flow.Envelope(run, outputs.get(i), lineage)));
        }
    }

    private Object checked(Object output) {
        if (output == null) {
            throw new NullPointerException("stage emitted null");
        }
        if (!definition.outputType().isInstance(output)) {
            throw new ClassCastException("stage emitted a " + output.getClass().getName() + " but is declared to emit "
                    + definition.outputType().getName());
        }
        return output;
    }
}
