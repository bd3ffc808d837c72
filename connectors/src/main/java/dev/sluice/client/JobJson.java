package dev.sluice.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.Task;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * A job as JSON, the one form that the HTTP gateway's {@code POST /v1/jobs}, {@code sluice submit} and
 * the directory source's JSON-lines files share: {@code {"jobId"?, "payload": {...}, "attributes"?,
 * "tasks"?: [{"type", "params"?}], "priority"?, "deadline"?}}, the payload in the JSON mapping of
 * {@link PayloadJson} through the pipeline's input schema. Where the input is a {@link Document},
 * {@code "document": {"text", "id"?, "contentType"?, "sourceUri"?}} may stand for the payload, its id
 * the job's when it has none.
 */
public final class JobJson {

    private static final List<String> FIELDS = List.of("jobId", "payload", "document", "attributes", "tasks",
            "priority", "deadline");

    private JobJson() {
    }

    /**
     * The job {@code body} describes, with {@code defaultJobId} when it names none: its payload read as a
     * record of {@code input}, and made into a job by {@code jobOf} (which writes the payload in the wire
     * format, e.g. {@code JobClient::job}).
     *
     * @throws InvalidJsonException naming the first field that is wrong
     */
    public static Job parse(JsonNode body, String defaultJobId, Schema input,
                            BiFunction<String, GenericRecord, Job> jobOf) {
        if (!body.isObject()) {
            throw new InvalidJsonException(null, "a job is a JSON object with a payload");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new InvalidJsonException(name, "unknown field " + name + "; a job has " + String.join(", ", FIELDS));
            }
        }
        String jobId = text(body, "jobId", "jobId", false);
        if (jobId != null && jobId.isBlank()) {
            throw new InvalidJsonException("jobId", "jobId must not be blank; leave it out to get a generated one");
        }
        if (jobId == null) {
            jobId = defaultJobId;
        }
        GenericRecord payload = payload(body, jobId, input);
        Map<String, String> attributes = strings(body.path("attributes"), "attributes");
        List<Task> tasks = new ArrayList<>();
        JsonNode taskList = body.path("tasks");
        if (!taskList.isMissingNode() && !taskList.isArray()) {
            throw new InvalidJsonException("tasks", "tasks must be an array of {type, params}");
        }
        for (int i = 0; i < taskList.size(); i++) {
            JsonNode task = taskList.get(i);
            String field = "tasks[" + i + "]";
            if (!task.isObject()) {
                throw new InvalidJsonException(field, field + " must be an object {type, params}");
            }
            tasks.add(Task.newBuilder().setType(text(task, "type", field + ".type", true))
                    .setParams(strings(task.path("params"), field + ".params")).build());
        }
        JsonNode priority = body.path("priority");
        if (!priority.isMissingNode() && !priority.isInt()) {
            throw new InvalidJsonException("priority", "priority must be an integer");
        }
        Instant deadline = null;
        String deadlineText = text(body, "deadline", "deadline", false);
        if (deadlineText != null) {
            try {
                deadline = Instant.parse(deadlineText);
            } catch (DateTimeParseException e) {
                throw new InvalidJsonException("deadline", "deadline must be an ISO-8601 instant, e.g. 2026-12-31T23:59:59Z");
            }
        }
        Job job = jobOf.apply(jobId, payload);
        job.setPriority(priority.asInt(0));
        job.setDeadline(deadline);
        job.setAttributes(attributes);
        job.setTasks(tasks);
        return job;
    }

    /** The job's payload: {@code payload}, or for a Document input {@code document}. */
    private static GenericRecord payload(JsonNode body, String jobId, Schema input) {
        JsonNode payload = body.get("payload");
        JsonNode document = body.get("document");
        boolean documents = input.getFullName().equals(Document.getClassSchema().getFullName());
        if (payload != null && document != null) {
            throw new InvalidJsonException("document", "a job has a payload or a document, not both");
        }
        if (payload != null) {
            return PayloadJson.read(payload, input, "payload");
        }
        if (document == null) {
            throw new InvalidJsonException("payload", "payload is required: a " + input.getName() + " as JSON"
                    + (documents ? " (or document: an object with at least text)" : ""));
        }
        if (!documents) {
            throw new InvalidJsonException("document", "document stands for the payload of a pipeline whose"
                    + " input is a Document; this one takes a " + input.getFullName() + ": give it as payload");
        }
        if (!document.isObject()) {
            throw new InvalidJsonException("document", "document is required: an object with at least text");
        }
        text(document, "text", "document.text", true);
        ObjectNode withId = ((ObjectNode) document).deepCopy();
        if (!withId.has("id")) {
            withId.put("id", jobId);
        }
        return PayloadJson.read(withId, input, "document");
    }

    private static String text(JsonNode node, String name, String field, boolean required) {
        JsonNode value = node.path(name);
        if (value.isMissingNode() || value.isNull()) {
            if (required) {
                throw new InvalidJsonException(field, field + " is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidJsonException(field, field + " must be a string");
        }
        return value.asText();
    }

    private static Map<String, String> strings(JsonNode node, String field) {
        Map<String, String> map = new HashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return map;
        }
        if (!node.isObject()) {
            throw new InvalidJsonException(field, field + " must be an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getValue().isTextual()) {
                throw new InvalidJsonException(field + "." + entry.getKey(), field + "." + entry.getKey() + " must be a string");
            }
            map.put(entry.getKey(), entry.getValue().asText());
        }
        return map;
    }
}
