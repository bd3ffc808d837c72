package dev.sluice.topology.internal;

import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.StageError;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The last processor: keeps what the last stage emits for a job and, at the job's
 * {@link Flow.Flush}, sends its one result (COMPLETED with the output, or FAILED naming the stage),
 * and for a failed job its original record to the dead-letter topic.
 */
final class CollectProcessor implements Processor<String, Flow, String, Flow> {

    private final String pipeline;
    private ProcessorContext<String, Flow> context;

    CollectProcessor(String pipeline) {
        this.pipeline = pipeline;
    }

    @Override
    public void init(ProcessorContext<String, Flow> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, Flow> record) {
        Flow flow = record.value();
        if (flow instanceof Flow.Envelope envelope) {
            if (!envelope.run().failed()) {
                envelope.run().addOutput(envelope.payload());
            }
        } else if (flow instanceof Flow.Flush flush) {
            finish(record, flush.run());
        } else {
            context.forward(record);
        }
    }

    private void finish(Record<String, Flow> record, JobRun run) {
        List<Object> outputs = run.outputs();
        if (!run.failed() && outputs.size() > 1) {
            run.fail(pipeline, IllegalStateException.class.getName(), "pipeline produced " + outputs.size()
                    + " outputs for one job; end it with a gather stage");
        }
        long now = context.currentSystemTimeMs();
        if (run.failed()) {
            StageError error = run.failure();
            JobResult result = run.result(JobStatus.FAILED, now).setError(error).build();
            context.forward(record.withValue(new Flow.Emit(result)).withHeaders(new RecordHeaders()));
            context.forward(record.withValue(new Flow.DeadLetter(run.rawKey, run.rawValue)).withHeaders(
                    ErrorHeaders.of(run.position, run.jobId(), error.getStage(), error.getErrorClass(), error.getMessage())));
            return;
        }
        JobResult result = run.result(JobStatus.COMPLETED, now)
                .setOutput(outputs.isEmpty() ? null : outputs.get(0))
                .build();
        context.forward(record.withValue(new Flow.Emit(result)).withHeaders(new RecordHeaders()));
    }
}
