package dev.sluice.schemas;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Shortcuts for making jobs, for clients and tests. */
public final class Jobs {

    private Jobs() {
    }

    /** A job with a fresh random id for a plain-text document. */
    public static Job text(String documentId, String text) {
        return text(UUID.randomUUID().toString(), documentId, text);
    }

    /** A job with the given id for a plain-text document, submitted now. */
    public static Job text(String jobId, String documentId, String text) {
        return Job.newBuilder()
                .setJobId(jobId)
                .setSubmittedAt(Instant.now())
                .setPriority(0)
                .setDeadline(null)
                .setAttributes(Map.of())
                .setTasks(List.of())
                .setDocument(Document.newBuilder().setId(documentId).setSourceUri(null)
                        .setContentType("text/plain").setText(text).build())
                .build();
    }

    /**
     * A job with the given id, submitted now, carrying {@code payload}: a record in the Confluent wire
     * format of its own schema (as a payload serde writes it).
     */
    public static Job withPayload(String jobId, byte[] payload) {
        return Job.newBuilder()
                .setJobId(jobId)
                .setSubmittedAt(Instant.now())
                .setPriority(0)
                .setDeadline(null)
                .setAttributes(new HashMap<>())
                .setTasks(new ArrayList<>())
                .setDocument(noDocument())
                .setPayload(ByteBuffer.wrap(payload))
                .build();
    }

    /** The bytes of a {@code bytes} field (a job's or a result's payload), copied, the buffer left as it was. */
    public static byte[] bytes(ByteBuffer field) {
        byte[] bytes = new byte[field.remaining()];
        field.duplicate().get(bytes);
        return bytes;
    }

    /**
     * What a job carries in its required {@code document} field since jobs carry payloads: an empty
     * document, which readers ignore when the job has a payload.
     */
    public static Document noDocument() {
        return new Document("", null, "text/plain", "", null, Map.of(), List.of());
    }

    /** A task of the given type with string parameters, e.g. {@code task("split", "size", "400")}. */
    public static Task task(String type, String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("task parameters come in key, value pairs");
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            params.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Task.newBuilder().setType(type).setParams(params).build();
    }

    /** Whether an event of {@code type} is a job's end: COMPLETED, FAILED, CANCELLED or EXPIRED. */
    public static boolean isEnd(JobEventType type) {
        return switch (type) {
            case COMPLETED, FAILED, CANCELLED, EXPIRED -> true;
            default -> false;
        };
    }
}
