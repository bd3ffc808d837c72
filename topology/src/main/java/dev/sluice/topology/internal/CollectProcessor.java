package dev.sluice.topology.internal;

import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.StageError;
import dev.sluice.schemas.internal.EnvelopeKind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The last processor: turns each job's one envelope into its one result. A payload becomes
 * COMPLETED with the payload as output; a dropped job COMPLETED without output; a failed job FAILED,
 * naming the stage, with the job's original record (or, past a topic, the part's) in the dead-letter
 * topic; a job past its deadline EXPIRED, naming the stage it did not reach, and no dead letter: its
 * record was not at fault.
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
        if (!(record.value() instanceof Flow.Envelope envelope)) {
            context.forward(record);
            return;
        }
        Flow.Envelope job = envelope;
        if (job.lineage().depth() > 0 && job.kind() != EnvelopeKind.FAILED) {
            job = job.failed(StageError.newBuilder().setStage(pipeline).setErrorClass(IllegalStateException.class.getName())
                    .setMessage("a part of the job reached the end of the pipeline without a gather").setAttempts(1)
                    .build(), job.trace());
        }
        boolean expired = job.kind() == EnvelopeKind.FAILED && Deadlines.isExpiry(job.error());
        JobResult.Builder result = JobResult.newBuilder()
                .setJobId(job.jobId())
                .setStatus(expired ? JobStatus.EXPIRED
                        : job.kind() == EnvelopeKind.FAILED ? JobStatus.FAILED : JobStatus.COMPLETED)
                .setCompletedAt(Instant.ofEpochMilli(context.currentSystemTimeMs()))
                .setAttributes(job.job().getAttributes())
                .setPartial(job.partial())
                .setTrace(Traces.fold(job.trace()));
        if (job.kind() == EnvelopeKind.PAYLOAD) {
            result.setOutput(job.payload());
        }
        if (job.kind() == EnvelopeKind.FAILED) {
            result.setError(job.error());
        }
        context.forward(record.withKey(job.jobId()).withValue(new Flow.Emit(result.build()))
                .withHeaders(new RecordHeaders()));
        if (job.kind() == EnvelopeKind.FAILED && !expired) {
            StageError error = job.error();
            Flow.Raw raw = job.raw();
            Flow.DeadLetter dead = raw != null ? new Flow.DeadLetter(raw.key(), raw.value())
                    : new Flow.DeadLetter(job.jobId().getBytes(StandardCharsets.UTF_8), EnvelopeCodec.encode(job));
            context.forward(record.withKey(job.jobId()).withValue(dead).withHeaders(ErrorHeaders.of(
                    raw == null ? null : raw.position(), job.jobId(), error.getStage(), error.getErrorClass(),
                    error.getMessage())));
        }
    }
}
