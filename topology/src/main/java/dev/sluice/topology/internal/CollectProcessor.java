package dev.sluice.topology.internal;

import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.StageError;
import dev.sluice.schemas.internal.EnvelopeKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The last processor: turns each job's one envelope into its one result. A payload becomes
 * COMPLETED with the payload as output; a dropped job COMPLETED without output; a failed job FAILED,
 * naming the stage, with the job's original record (or, past a topic, the part's) in the dead-letter
 * topic; a job past its deadline EXPIRED, and a cancelled one CANCELLED, naming the stage it did not
 * reach, and no dead letter: its record was not at fault.
 *
 * <p>It serializes the result itself, to check its size before the send: a result the producer
 * could not send (over max.request.size) would fail the send, which under exactly_once_v2 leaves
 * the transaction unusable and kills the stream thread, again after every restart. Such a job ends
 * FAILED at stage {@value #RESULTS_STAGE} instead, with its input in the dead-letter topic.
 *
 * <p>Before each result it sends the task's pending events ({@link EventBuffer}) and the job's end event.
 */
final class CollectProcessor implements Processor<String, Flow, String, Flow> {

    /** The stage a result too large to send is blamed on. */
    static final String RESULTS_STAGE = "results";

    private final String pipeline;
    private final Serializer<JobResult> serializer;
    private final Serializer<Object> outputs;
    private final String resultsTopic;
    private final String outputTopic;
    private final int maxResultBytes;
    private ProcessorContext<String, Flow> context;
    private final HeldTasks tasks;
    private Held held;

    /**
     * {@code outputs} writes a job's output into its result's payload, registered under
     * {@code <outputTopic>-payload}: the results topic's, or in pass-through mode the jobs topic's.
     */
    CollectProcessor(String pipeline, Serializer<JobResult> serializer, Serializer<Object> outputs, String resultsTopic,
                     String outputTopic, int maxResultBytes, HeldTasks tasks) {
        this.tasks = tasks;
        this.pipeline = pipeline;
        this.serializer = serializer;
        this.outputs = outputs;
        this.resultsTopic = resultsTopic;
        this.outputTopic = outputTopic;
        this.maxResultBytes = maxResultBytes;
    }

    @Override
    public void init(ProcessorContext<String, Flow> context) {
        this.context = context;
        this.held = tasks.of(context.taskId());
        held.register(this, () -> { });
    }

    @Override
    public void close() {
        held.unregister(this);
    }

    @Override
    public void process(Record<String, Flow> record) {
        if (!(record.value() instanceof Flow.Envelope envelope)) {
            context.forward(record);
            return;
        }
        Flow.Envelope job = envelope;
        if (job.lineage().depth() > 0 && !job.ended()) {
            job = job.failed(StageError.newBuilder().setStage(pipeline).setErrorClass(IllegalStateException.class.getName())
                    .setMessage("a part of the job reached the end of the pipeline without a gather").setAttempts(1)
                    .build(), job.trace());
        }
        JobResult.Builder result = JobResult.newBuilder()
                .setJobId(job.jobId())
                .setStatus(statusOf(job.kind()))
                .setCompletedAt(Instant.ofEpochMilli(context.currentSystemTimeMs()))
                .setAttributes(job.job().getAttributes())
                .setPartial(job.partial())
                .setTrace(Traces.fold(job.trace()));
        if (job.kind() == EnvelopeKind.PAYLOAD) {
            try {
                result.setPayload(ByteBuffer.wrap(job.payload() instanceof Flow.Encoded encoded ? encoded.bytes()
                        : outputs.serialize(outputTopic, job.payload())));
            } catch (SerializationException e) {
                // a stage made what the output type is not (or the registry refused it): the job fails, not the task
                job = job.failed(StageError.newBuilder().setStage(RESULTS_STAGE).setErrorClass(e.getClass().getName())
                        .setMessage("the job's output cannot be written: " + e.getMessage()).setAttempts(1).build(),
                        job.trace());
                result.setStatus(JobStatus.FAILED).setPayload(null);
            }
        }
        if (job.ended()) {
            result.setError(job.error());
        }
        JobResult made = result.build();
        byte[] bytes = serializer.serialize(resultsTopic, made);
        if (!ResultSize.fits(bytes, job.jobId(), maxResultBytes)) {
            String message = "the job's result is " + bytes.length + " bytes, too large to send (the producer's"
                    + " max.request.size is " + maxResultBytes + ")";
            job = job.failed(StageError.newBuilder().setStage(RESULTS_STAGE)
                    .setErrorClass(RecordTooLargeException.class.getName()).setMessage(message).setAttempts(1).build(),
                    job.trace());
            made = JobResult.newBuilder(made).setStatus(JobStatus.FAILED).setPayload(null).setPartial(false)
                    .setError(job.error()).build();
            bytes = serializer.serialize(resultsTopic, made);
        }
        // the job's events so far, then its end, leave before its result
        held.events.add(EventBuffer.ended(made));
        held.events.sendFrom(context);
        context.forward(record.withKey(job.jobId()).withValue(new Flow.Emit(made, bytes))
                .withHeaders(new RecordHeaders()));
        if (job.kind() == EnvelopeKind.FAILED) {
            StageError error = job.error();
            Flow.Raw raw = job.raw();
            Flow.DeadLetter dead = raw != null ? new Flow.DeadLetter(raw.key(), raw.value())
                    : new Flow.DeadLetter(job.jobId().getBytes(StandardCharsets.UTF_8),
                            RESULTS_STAGE.equals(error.getStage()) ? null : EnvelopeCodec.encode(job));
            context.forward(record.withKey(job.jobId()).withValue(dead).withHeaders(ErrorHeaders.of(
                    raw == null ? null : raw.position(), job.jobId(), error.getStage(), error.getErrorClass(),
                    error.getMessage())));
        }
    }

    /** The result's status for a job that reaches the end as {@code kind}; a dropped job completes, without output. */
    private static JobStatus statusOf(EnvelopeKind kind) {
        return switch (kind) {
            case PAYLOAD, DROPPED -> JobStatus.COMPLETED;
            case FAILED -> JobStatus.FAILED;
            case CANCELLED -> JobStatus.CANCELLED;
            case EXPIRED -> JobStatus.EXPIRED;
        };
    }
}
