package dev.sluice.topology.internal;

import dev.sluice.topology.pipeline.StageDefinition;
import dev.sluice.topology.stage.Condition;
import java.util.List;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Runs one branch: marks each payload with the first route whose predicate accepts it (-1 for the
 * default path). A predicate that throws fails the job, which goes on by the default path to end
 * FAILED. Dropped and failed parts take the default path.
 */
final class BranchProcessor extends StageNode {

    private final List<StageDefinition.Route> routes;
    private final String otherwise;

    BranchProcessor(StageDefinition.Branch definition) {
        super(definition);
        this.routes = definition.routes();
        this.otherwise = definition.otherwise();
    }

    @Override
    public void process(Record<String, Flow> record) {
        if (!(record.value() instanceof Flow.Envelope envelope) || !envelope.isPayload()) {
            Flow.Envelope passing = (Flow.Envelope) record.value();
            took(passing);
            passed(passing, 0, 0, null);
            context.forward(record.withValue(new Flow.Routed(-1, passing)));
            return;
        }
        took(envelope);
        int[] chosen = {-1};
        Outcome outcome = invoke(envelope, ctx -> {
            for (int i = 0; i < routes.size() && chosen[0] < 0; i++) {
                if (Condition.applies(routes.get(i).predicate(), envelope.payload(), ctx)) {
                    chosen[0] = i;
                }
            }
        });
        String took = outcome.failed() || chosen[0] < 0 ? "otherwise: " + otherwise
                : routes.get(chosen[0]).lane() != null ? "lane " + routes.get(chosen[0]).lane()
                : "to " + routes.get(chosen[0]).to();
        var trace = envelope.traceWith(definition.name(), outcome.startedAtMillis(), outcome.nanos(), took);
        Flow.Envelope next = outcome.failed() ? envelope.failed(outcome.error(), trace)
                : envelope.withPayload(envelope.payload(), envelope.lineage(), trace);
        if (!outcome.failed()) {
            metrics.out(1);
        }
        passed(envelope, outcome.failed() ? 0 : 1, outcome.nanos(), took);
        context.forward(record.withValue(new Flow.Routed(outcome.failed() ? -1 : chosen[0], next)));
    }
}
