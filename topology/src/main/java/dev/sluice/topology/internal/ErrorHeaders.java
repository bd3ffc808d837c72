package dev.sluice.topology.internal;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The headers of a dead letter. Kafka Streams' own dead-letter convention (KIP-1034,
 * {@code __streams.errors.*}) for the error and the original record's place, and ours for the stage
 * and the job.
 */
public final class ErrorHeaders {

    static final String EXCEPTION = "__streams.errors.exception";
    static final String MESSAGE = "__streams.errors.message";
    static final String TOPIC = "__streams.errors.topic";
    static final String PARTITION = "__streams.errors.partition";
    static final String OFFSET = "__streams.errors.offset";
    static final String STAGE = "sluice.error.stage";
    static final String JOB_ID = "sluice.job.id";
    /** On a job sent again from the dead-letter topic: the dead letter it came from. */
    public static final String REPLAYED_FROM = "sluice.replayed.from";

    private ErrorHeaders() {
    }

    static Headers of(SourcePosition position, String jobId, String stage, String errorClass, String message) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, EXCEPTION, errorClass);
        add(headers, MESSAGE, message);
        add(headers, STAGE, stage);
        if (jobId != null && !jobId.isEmpty()) {
            add(headers, JOB_ID, jobId);
        }
        if (position != null) {
            add(headers, TOPIC, position.topic());
            add(headers, PARTITION, Integer.toString(position.partition()));
            add(headers, OFFSET, Long.toString(position.offset()));
        }
        return headers;
    }

    private static void add(Headers headers, String key, String value) {
        headers.add(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** Where a record was read, for the dead-letter headers. */
    record SourcePosition(String topic, int partition, long offset) {
    }
}
