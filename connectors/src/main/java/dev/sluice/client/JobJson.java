package dev.sluice.client;

import com.fasterxml.jackson.databind.JsonNode;
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

/**
 * A job as JSON, the one form that the HTTP gateway's {@code POST /v1/jobs} and the directory source's
 * JSON-lines files share: {@code {"jobId"?, "document": {"text", "id"?, "contentType"?, "sourceUri"?},
 * "attributes"?, "tasks"?: [{"type", "params"?}], "priority"?, "deadline"?}}.
 */
public final class JobJson {

    private static final List<String> FIELDS = List.of("jobId", "document", "attributes", "tasks", "priority", "deadline");

    private JobJson() {
    }

    /**
     * The job {@code body} describes, with {@code defaultJobId} when it names none.
     *
     * @throws InvalidJobException naming the first field that is wrong
     */
    public static Job parse(JsonNode body, String defaultJobId) {
        if (!body.isObject()) {
            throw new InvalidJobException(null, "a job is a JSON object with a document");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new InvalidJobException(name, "unknown field " + name + "; a job has " + String.join(", ", FIELDS));
            }
        }
        JsonNode document = body.path("document");
        if (!document.isObject()) {
            throw new InvalidJobException("document", "document is required: an object with at least text");
        }
        String text = text(document, "text", "document.text", true);
        String jobId = text(body, "jobId", "jobId", false);
        if (jobId != null && jobId.isBlank()) {
            throw new InvalidJobException("jobId", "jobId must not be blank; leave it out to get a generated one");
        }
        if (jobId == null) {
            jobId = defaultJobId;
        }
        String documentId = text(document, "id", "document.id", false);
        String contentType = text(document, "contentType", "document.contentType", false);
        Document doc = Document.newBuilder().setId(documentId == null ? jobId : documentId)
                .setSourceUri(text(document, "sourceUri", "document.sourceUri", false))
                .setContentType(contentType == null ? "text/plain" : contentType)
                .setText(text).build();
        Map<String, String> attributes = strings(body.path("attributes"), "attributes");
        List<Task> tasks = new ArrayList<>();
        JsonNode taskList = body.path("tasks");
        if (!taskList.isMissingNode() && !taskList.isArray()) {
            throw new InvalidJobException("tasks", "tasks must be an array of {type, params}");
        }
        for (int i = 0; i < taskList.size(); i++) {
            JsonNode task = taskList.get(i);
            String field = "tasks[" + i + "]";
            if (!task.isObject()) {
                throw new InvalidJobException(field, field + " must be an object {type, params}");
            }
            tasks.add(Task.newBuilder().setType(text(task, "type", field + ".type", true))
                    .setParams(strings(task.path("params"), field + ".params")).build());
        }
        JsonNode priority = body.path("priority");
        if (!priority.isMissingNode() && !priority.isInt()) {
            throw new InvalidJobException("priority", "priority must be an integer");
        }
        Instant deadline = null;
        String deadlineText = text(body, "deadline", "deadline", false);
        if (deadlineText != null) {
            try {
                deadline = Instant.parse(deadlineText);
            } catch (DateTimeParseException e) {
                throw new InvalidJobException("deadline", "deadline must be an ISO-8601 instant, e.g. 2026-12-31T23:59:59Z");
            }
        }
        return Job.newBuilder().setJobId(jobId).setSubmittedAt(Instant.now()).setPriority(priority.asInt(0))
                .setDeadline(deadline).setAttributes(attributes).setTasks(tasks).setDocument(doc).build();
    }

    private static String text(JsonNode node, String name, String field, boolean required) {
        JsonNode value = node.path(name);
        if (value.isMissingNode() || value.isNull()) {
            if (required) {
                throw new InvalidJobException(field, field + " is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidJobException(field, field + " must be a string");
        }
        return value.asText();
    }

    private static Map<String, String> strings(JsonNode node, String field) {
        Map<String, String> map = new HashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return map;
        }
        if (!node.isObject()) {
            throw new InvalidJobException(field, field + " must be an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getValue().isTextual()) {
                throw new InvalidJobException(field + "." + entry.getKey(), field + "." + entry.getKey() + " must be a string");
            }
            map.put(entry.getKey(), entry.getValue().asText());
        }
        return map;
    }

    /** A JSON job that is not valid: the field at fault (null for the whole) and why. */
    public static final class InvalidJobException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String field;

        InvalidJobException(String field, String message) {
            super(message);
            this.field = field;
        }

        /** The field at fault, e.g. {@code document.text} or {@code tasks[0].type}; null for the whole job. */
        public String field() {
            return field;
        }
    }
}
