package dev.sluice.topology.internal;

import dev.sluice.schemas.StageTrace;
import dev.sluice.topology.pipeline.StageDefinition;
import dev.sluice.topology.stage.Stage;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Runs one map, filter or flat-map stage. A stage that throws fails its job (and only its job): the
 * part goes on as a FAILED envelope, to end the job at the next gather or at the collector. A part
 * the stage drops goes on as a DROPPED envelope, so that a gather still counts it. What is not a
 * payload passes through untouched. A stage with a {@link dev.sluice.topology.stage.RetryPolicy} that
 * throws a retryable error puts the part away in its retry store instead, and runs it again from a
 * punctuator when its wait is over; the job's other records go on meanwhile.
 */
final class StageProcessor extends StageNode {

    private final Stage<Object, Object> stage;
    private final boolean fansOut;
    private final boolean streamsOutputs;

    /** A stage; with a retry policy, its parts wait for their retries in store {@code retryStoreName}, else null. */
    @SuppressWarnings("unchecked")
    StageProcessor(StageDefinition.PerInput definition, String retryStoreName) {
        super(definition, retryStoreName);
        this.stage = (Stage<Object, Object>) definition.stage();
        this.fansOut = definition instanceof StageDefinition.FlatMap;
        this.streamsOutputs = definition.streamsOutputs();
    }

    @Override
    public void process(Record<String, Flow> record) {
        if (passedOn(record)) {
            return;
        }
        Flow.Envelope envelope = (Flow.Envelope) record.value();
        attempt(record, envelope, 1);
    }

    @Override
    void retry(List<EnvelopeCodec.Parked> due, long now) {
        for (EnvelopeCodec.Parked parked : due) {
            Flow.Envelope envelope = parked.envelope();
            attempt(new Record<>(envelope.jobId(), envelope, now, new RecordHeaders()), envelope, parked.attempts() + 1);
        }
    }

    private void attempt(Record<String, Flow> record, Flow.Envelope envelope, int attempt) {
        Flow.Envelope expired = stoppedOrNull(envelope);
        if (expired != null) {
            passed(envelope, 0, 0, null);
            context.forward(record.withValue(expired));
            return;
        }
        List<Object> outputs = new ArrayList<>(fansOut ? 8 : 1);
        Outcome outcome = invoke(envelope, attempt, ctx -> stage.process(envelope.payload(), ctx,
                output -> outputs.add(checked(output))));
        if (outcome.failed()) {
            // a stage that gave up on a cancelled or expired job ends it as such, not as a failure; it saw
            // the deadline by the system's clock (StageContext.isCancelled), which the task's may trail
            Flow.Envelope stopped = stoppedOrNull(envelope, Math.max(context.currentSystemTimeMs(),
                    System.currentTimeMillis()));
            if (stopped != null) {
                passed(envelope, 0, outcome.nanos(), null);
                context.forward(record.withValue(stopped));
                return;
            }
            if (parkForRetry(envelope, outcome, outcome.nanos(), attempt)) {
                return;
            }
        }
        List<StageTrace> trace = envelope.traceWith(definition.name(), outcome.startedAtMillis(), outcome.nanos(),
                outcome.note());
        boolean made = !outcome.failed() && (fansOut || outputs.size() <= 1);
        if (made && streamsOutputs) {
            streamed(envelope, outputs);
        }
        passed(envelope, made ? outputs.size() : 0, outcome.nanos(), outcome.note());
        if (outcome.failed()) {
            context.forward(record.withValue(envelope.failed(afterAttempts(outcome.error(), attempt), trace)));
        } else if (outputs.isEmpty()) {
            metrics.filtered();
            context.forward(record.withValue(envelope.dropped(trace)));
        } else if (!fansOut && outputs.size() > 1) {
            context.forward(record.withValue(envelope.failed(error(IllegalStateException.class.getName(),
                    "stage emitted " + outputs.size() + " outputs for one input; a stage that fans out must be"
                            + " declared as a flat-map"), trace)));
        } else if (!fansOut) {
            metrics.out(1);
            context.forward(record.withValue(envelope.withPayload(outputs.get(0), envelope.lineage(), trace)));
        } else {
            int n = outputs.size();
            metrics.out(n);
            for (int i = 0; i < n; i++) {
                Lineage part = envelope.lineage().child(i, n);
                context.forward(record.withValue(envelope.withPayload(outputs.get(i), part, trace)));
            }
        }
    }

    /** Each of {@code outputs} as an OUTPUT event of the job, before the stage finishes it. */
    private void streamed(Flow.Envelope envelope, List<Object> outputs) {
        if (!held.events.enabled()) {
            return;
        }
        long now = context.currentSystemTimeMs();
        int n = outputs.size();
        for (int i = 0; i < n; i++) {
            Lineage part = fansOut ? envelope.lineage().child(i, n) : envelope.lineage();
            held.events.add(EventBuffer.output(envelope.jobId(), definition.name(), now, outputs.get(i), part.describe()));
        }
    }
}
