package dev.sluice.topology.internal;

import dev.sluice.topology.GatherStage;
import dev.sluice.topology.Pipeline;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Runs one gather stage within a sub-topology: holds each job's parts until the job's
 * {@link Flow.Flush} arrives, then combines every group and sends the results on, before the flush.
 * All parts of a job reach it while the job's source record is processed, so nothing needs a store
 * here; a gather across a topic boundary needs one.
 */
final class GatherProcessor extends StageNode {

    private final GatherStage<Object, Object> stage;

    @SuppressWarnings("unchecked")
    GatherProcessor(Pipeline.StageDefinition definition) {
        super(definition);
        this.stage = (GatherStage<Object, Object>) definition.stage();
    }

    @Override
    public void process(Record<String, Flow> record) {
        Flow flow = record.value();
        if (flow instanceof Flow.Envelope envelope) {
            if (!envelope.run().failed()) {
                envelope.run().addPart(definition.name(), envelope.lineage().group(), envelope.payload());
            }
            return;
        }
        if (flow instanceof Flow.Flush flush && !flush.run().failed()) {
            gather(record, flush.run());
        }
        context.forward(record);
    }

    private void gather(Record<String, Flow> record, JobRun run) {
        List<Map.Entry<Lineage, List<Object>>> groups = run.takeGroups(definition.name());
        if (groups.isEmpty()) {
            // every part was dropped on the way (or none was made): the gather still answers for the job
            groups = List.of(Map.entry(Lineage.ROOT, List.of()));
        }
        for (Map.Entry<Lineage, List<Object>> group : groups) {
            Object[] output = new Object[1];
            if (!invoke(run, () -> output[0] = checked(stage.gather(group.getValue(), stageContext)))) {
                return;
            }
            context.forward(record.withValue(new Flow.Envelope(run, output[0], group.getKey())));
        }
    }
}
