package dev.sluice.serdes;

import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.schemas.StageError;
import dev.sluice.schemas.StageTrace;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A job's terminal result with its output read as the pipeline's output type {@code R}: the
 * {@link JobResult} on the results topic, whose {@code payload} holds the output in the wire format of
 * its own schema, decoded. The getters are the JobResult's, with {@link #getOutput()} typed.
 *
 * @param <R> the pipeline's output type, or {@code Object} for whatever each result carries
 */
public final class Result<R> {

    private final JobResult record;
    private final R output;

    private Result(JobResult record, R output) {
        this.record = record;
        this.output = output;
    }

    /**
     * {@code record}, read from {@code topic}, with its output read as {@code type} by {@code payloads}
     * (a deserializer of {@link AvroSerdes#payloadSerde}). A result written before payloads carries
     * its output in the field {@code output}, taken as it is if it is of the type.
     *
     * @throws SerializationException when the output is not of the type, or cannot be read
     */
    public static <R> Result<R> of(JobResult record, PayloadType<R> type, Deserializer<R> payloads, String topic) {
        Objects.requireNonNull(record, "record");
        ByteBuffer payload = record.getPayload();
        if (payload != null) {
            return new Result<>(record, payloads.deserialize(topic, Jobs.bytes(payload)));
        }
        Object old = record.getOutput();
        if (old == null) {
            return new Result<>(record, null);
        }
        if (!type.accepts(old)) {
            throw new SerializationException("the result of job " + record.getJobId() + ", written before payloads,"
                    + " carries a " + old.getClass().getName() + ", not a " + type.name());
        }
        return new Result<>(record, type.javaType().cast(old));
    }

    /** The result as it is on the results topic. */
    public JobResult record() {
        return record;
    }

    public String getJobId() {
        return record.getJobId();
    }

    public JobStatus getStatus() {
        return record.getStatus();
    }

    public Instant getCompletedAt() {
        return record.getCompletedAt();
    }

    /** The job's attributes, carried through. */
    public Map<String, String> getAttributes() {
        return record.getAttributes();
    }

    /** What the pipeline produced; null when the job did not complete, or completed without output. */
    public R getOutput() {
        return output;
    }

    /** True when a gather timed out and the output holds only the parts that had arrived. */
    public boolean getPartial() {
        return record.getPartial();
    }

    /** Why the job failed (the stage, the error class and message, the attempts); null unless FAILED or EXPIRED. */
    public StageError getError() {
        return record.getError();
    }

    /** Per stage, in the order the job first reached it. */
    public List<StageTrace> getTrace() {
        return record.getTrace();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Result<?> other && record.equals(other.record) && Objects.equals(output, other.output);
    }

    @Override
    public int hashCode() {
        return Objects.hash(record, output);
    }

    @Override
    public String toString() {
        return "Result[" + getJobId() + " " + getStatus() + (output == null ? "" : ", output " + output)
                + (getError() == null ? "" : ", error " + getError()) + "]";
    }
}
