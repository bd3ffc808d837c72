package dev.sluice.app.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.StageError;
import dev.sluice.schemas.StageTrace;
import dev.sluice.topology.JobState;
import dev.sluice.topology.JobStatuses;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Answers {@code GET /v1/jobs/{id}} from the status store, wherever the job's status is kept: this
 * instance asks its own part of the store when it holds the job's partition, and otherwise forwards
 * the request to the instance that does, found by its {@code application.server} (the address of
 * that instance's gateway), once: a forwarded request is never forwarded again.
 */
final class StatusLookup {

    /** The header on a request one gateway forwards to another, naming the forwarder. */
    static final String FORWARDED_HEADER = "X-Sluice-Forwarded-By";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<KafkaStreams> streams;
    private final HostInfo self;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** An answer: the HTTP status and the JSON body. */
    record Answer(int status, String body) {
    }

    /**
     * @param streams the main segment's Kafka Streams instance, where the store is; null when this instance
     *     runs only lanes
     * @param self this instance's application.server
     */
    StatusLookup(Supplier<KafkaStreams> streams, HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    /**
     * The status of {@code jobId}.
     *
     * @param forwardedBy the instance that forwarded the request here, or null
     * @param authorization the request's Authorization header, passed on when forwarding; null for none
     */
    Answer find(String jobId, String forwardedBy, String authorization) throws InterruptedException {
        KafkaStreams running = streams.get();
        if (running == null) {
            return error(404, "this instance runs only lanes, and keeps no job status; ask one that runs the main"
                    + " segment");
        }
        KeyQueryMetadata where;
        try {
            where = JobStatuses.locate(running, jobId);
        } catch (RuntimeException e) {
            return error(503, "the status store cannot be asked now (" + e.getMessage() + "); try again");
        }
        if (where == null || where.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            return error(503, "the status store is not available now (the instance is starting or rebalancing);"
                    + " try again");
        }
        HostInfo owner = where.activeHost();
        if (!owner.equals(self) && !owner.equals(HostInfo.unavailable())) {
            if (forwardedBy != null) {
                return error(503, "the status of job " + jobId + " moved while the request was forwarded (from "
                        + forwardedBy + "); try again");
            }
            return forward(owner, jobId, authorization);
        }
        try {
            Optional<JobState> state = JobStatuses.query(running, jobId, where.partition());
            return state.map(s -> new Answer(200, json(s, self).toString()))
                    .orElseGet(() -> error(404, "no job " + jobId + " in the status store: it was never accepted, or"
                            + " longer ago than status.retention.ms"));
        } catch (JobStatuses.NotHereException e) {
            return error(503, e.getMessage() + "; try again");
        }
    }

    private Answer forward(HostInfo owner, String jobId, String authorization) throws InterruptedException {
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + "/v1/jobs/"
                + URLEncoder.encode(jobId, StandardCharsets.UTF_8).replace("+", "%20"));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET()
                .header(FORWARDED_HEADER, self.host() + ":" + self.port());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(answer.statusCode(), answer.body());
        } catch (IOException e) {
            return error(503, "the instance that keeps job " + jobId + "'s status, " + owner.host() + ":"
                    + owner.port() + ", did not answer: " + e.getMessage());
        }
    }

    /** Whether a job's state, as {@link #find} writes it, is an end: COMPLETED, FAILED, CANCELLED or EXPIRED. */
    static boolean hasEnded(JsonNode state) {
        String status = state.path("status").asText();
        return Arrays.stream(JobStatus.values()).anyMatch(end -> end.name().equals(status));
    }

    private static Answer error(int status, String message) {
        return new Answer(status, JSON.createObjectNode().put("error", message).toString());
    }

    /** {@code error} as the gateway writes it, under "error" in {@code node}; nothing if null. */
    static void putError(ObjectNode node, StageError error) {
        if (error != null) {
            node.putObject("error").put("stage", error.getStage()).put("errorClass", error.getErrorClass())
                    .put("message", error.getMessage()).put("attempts", error.getAttempts());
        }
    }

    /** A job's state as JSON, with the instance that keeps it. */
    static ObjectNode json(JobState state, HostInfo keptBy) {
        ObjectNode node = JSON.createObjectNode().put("jobId", state.jobId()).put("status", state.status());
        node.put("stage", state.stage());
        node.put("acceptedAt", state.acceptedAt() == null ? null : state.acceptedAt().toString());
        node.put("updatedAt", state.updatedAt().toString());
        node.put("partial", state.partial());
        putError(node, state.error());
        ArrayNode trace = node.putArray("trace");
        for (StageTrace t : state.trace()) {
            ObjectNode entry = trace.addObject().put("stage", t.getStage()).put("startedAt", t.getStartedAt().toString())
                    .put("durationMicros", t.getDurationMicros());
            if (t.getNote() != null) {
                entry.put("note", t.getNote());
            }
        }
        node.put("keptBy", keptBy == null ? null : keptBy.host() + ":" + keptBy.port());
        return node;
    }
}
