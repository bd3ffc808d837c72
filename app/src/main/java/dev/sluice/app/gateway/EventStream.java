package dev.sluice.app.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.client.JobClient;
import dev.sluice.client.ResultJson;
import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.Result;
import io.javalin.http.sse.SseClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/jobs/{id}/events}: one job's progress as Server-Sent Events, then its result. First
 * {@code status}, the job's status so far from the status store (when it has one); then a
 * {@code progress} event for each event of the job on the events topic as it comes; then, after its
 * end, {@code result}, its result, and the stream closes. A job that had ended before the request gets
 * its status, then its result if this gateway's client still has it. The stream also closes, with a
 * {@code timeout} event, when nothing ended the job within the wait.
 */
final class EventStream {

    private static final Logger log = LoggerFactory.getLogger(EventStream.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a stream waits for a job's result once its end event has come. */
    private static final Duration RESULT_WAIT = Duration.ofSeconds(30);

    private final String jobId;
    private final SseClient sse;
    private final Object lock = new Object();
    /** Events that came before the status was sent; null once it was. */
    private List<JobEvent> early = new ArrayList<>();
    private boolean finishing;
    private AutoCloseable following;
    /** This stream's own future of the job's result, cancelled when the stream stops. */
    private final CompletableFuture<Result<Object>> result;
    private ScheduledFuture<?> timeout;

    private EventStream(String jobId, SseClient sse, CompletableFuture<Result<Object>> result) {
        this.jobId = jobId;
        this.sse = sse;
        this.result = result;
    }

    /** Streams job {@code jobId} to {@code sse}, for at most {@code wait}. */
    static void follow(String jobId, SseClient sse, JobClient<Object, Object> client, StatusLookup statuses, String authorization,
                       Duration wait, ScheduledExecutorService timer) throws InterruptedException {
        sse.keepAlive();
        EventStream stream = new EventStream(jobId, sse, client.result(jobId));
        stream.following = client.events(jobId, stream::event);
        sse.onClose(stream::stop);
        // the headers go out now: a caller that saw them may submit the job and miss nothing
        sse.sendComment("following job " + jobId);
        stream.timeout = timer.schedule(() -> stream.end("timeout", JSON.createObjectNode().put("error",
                "job " + jobId + " did not end within " + wait.toMillis() + " ms").toString()), wait.toMillis(),
                TimeUnit.MILLISECONDS);
        StatusLookup.Answer status = statuses.find(jobId, null, authorization);
        stream.started(status);
    }

    private void started(StatusLookup.Answer status) {
        synchronized (lock) {
            Instant known = Instant.EPOCH;
            boolean ended = false;
            if (status.status() == 200) {
                JsonNode state = read(status.body());
                send("status", status.body());
                known = Instant.parse(state.path("updatedAt").asText());
                ended = StatusLookup.hasEnded(state);
            }
            List<JobEvent> before = early;
            early = null;
            if (ended) {
                // it ended before the request: its result, if this gateway's client still has it
                finish(Duration.ofSeconds(1));
                return;
            }
            for (JobEvent event : before) {
                if (event.getAt().isAfter(known) || Jobs.isEnd(event.getType())) {
                    progress(event);
                }
            }
        }
    }

    private void event(JobEvent event) {
        synchronized (lock) {
            if (early != null) {
                early.add(event);
            } else {
                progress(event);
            }
        }
    }

    private void progress(JobEvent event) {
        if (finishing) {
            return;
        }
        send("progress", JobEventsView.json(event).toString());
        if (Jobs.isEnd(event.getType())) {
            finish(RESULT_WAIT);
        }
    }

    /** Sends the result once it comes (within {@code wait}), then closes. */
    private void finish(Duration wait) {
        finishing = true;
        // a copy: the timeout must not cancel the stream's future before it has sent its end
        result.copy().orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS).whenComplete((done, error) -> {
            if (done != null) {
                end("result", ResultJson.of(done));
            } else {
                end("end", JSON.createObjectNode().put("error", "job " + jobId + " has ended; its result is on the"
                        + " results topic (sluice results)").toString());
            }
        });
    }

    private void end(String name, String data) {
        synchronized (lock) {
            finishing = true;
            send(name, data);
            sse.close();
        }
        stop();
    }

    private void send(String name, String data) {
        if (!sse.terminated()) {
            try {
                sse.sendEvent(name, data);
            } catch (RuntimeException e) {
                log.debug("could not send {} of job {}: {}", name, jobId, e.toString());
            }
        }
    }

    private void stop() {
        if (timeout != null) {
            timeout.cancel(false);
        }
        result.cancel(false); // the client forgets a job whose result no one awaits any more
        try {
            if (following != null) {
                following.close();
            }
        } catch (Exception e) {
            log.debug("could not stop following job {}", jobId, e);
        }
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A job event as JSON, the way the gateway writes it. */
    static final class JobEventsView {
        private JobEventsView() {
        }

        static ObjectNode json(JobEvent e) {
            ObjectNode node = JSON.createObjectNode().put("jobId", e.getJobId()).put("type", e.getType().name())
                    .put("at", e.getAt().toString());
            if (e.getStage() != null) {
                node.put("stage", e.getStage());
            }
            if (e.getParts() != null) {
                node.put("parts", e.getParts());
            }
            if (e.getOutputs() != null) {
                node.put("outputs", e.getOutputs());
            }
            if (e.getDurationMicros() != null) {
                node.put("durationMicros", e.getDurationMicros());
            }
            if (e.getNote() != null) {
                node.put("note", e.getNote());
            }
            if (e.getPartial()) {
                node.put("partial", true);
            }
            if (e.getOutput() != null) {
                node.put("output", e.getOutput());
            }
            if (e.getPart() != null) {
                node.put("part", e.getPart());
            }
            StatusLookup.putError(node, e.getError());
            return node;
        }
    }
}
