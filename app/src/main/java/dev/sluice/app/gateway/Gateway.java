package dev.sluice.app.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.app.internal.Durations;
import dev.sluice.app.runtime.SluiceRunner;
import dev.sluice.client.InvalidJsonException;
import dev.sluice.client.JobClient;
import dev.sluice.client.JobJson;
import dev.sluice.client.ResultJson;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.serdes.Result;
import dev.sluice.topology.JobState;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.SluiceTopology;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.pipeline.PipelineDescription;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.sse.SseHandler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sluice's HTTP edge (Javalin on Jetty): submit a job as JSON and get its id, or wait for its result;
 * ask a job's status; cancel a job; pause and resume the pipeline; liveness and readiness. Every answer is JSON; a bad
 * request gets 400 naming the field, a body over the limit 413, and no stack trace ever reaches a
 * client (an unexpected error is logged here and answered 500 with an id to find it in the log).
 */
public final class Gateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Gateway.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The largest request body, by default: a document at limits.document.max.bytes, escaped, and its job. */
    static final long DEFAULT_MAX_BODY_BYTES = 2L * 1024 * 1024;
    /** The longest a request may wait for its job's result. */
    static final Duration LONGEST_WAIT = Duration.ofMinutes(5);
    /** The attribute of a request whose route answered it itself, whatever its status. */
    private static final String ANSWERED = "sluice.answered";

    private final JobClient<Object, Object> client;
    private final Supplier<SluiceRunner.Readiness> state;
    private final long maxBodyBytes;
    private final GatewayAccess access;
    private final PrometheusMeterRegistry metrics;
    private final StageStats stats;
    private final StatusLookup statuses;
    private final RecentJobs recent;
    /** Ends the event streams that waited too long. */
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "sluice-gateway-timer");
                thread.setDaemon(true);
                return thread;
            });
    /** Every route it serves, as "METHOD /path", in the order registered. */
    private final List<String> routes = new ArrayList<>();
    private final Javalin app;

    /**
     * Starts the gateway on {@code host:port} (port 0 for a free one).
     *
     * @param state whether the pipeline is ready: RUNNING, every stream thread polling (see
     *     {@link SluiceRunner#readiness})
     * @param access who may do what: the tokens a request must carry
     * @param metrics what {@code GET /metrics} scrapes and {@code GET /v1/stats} counts; null to serve neither
     * @param statuses what answers {@code GET /v1/jobs/{id}}, and with the client {@code GET /v1/jobs/{id}/events};
     *     null to serve neither
     * @param pipeline the pipeline's graph, for {@code GET /v1/pipeline} and the dashboard; null to serve neither
     */
    static Gateway start(JobClient<Object, Object> client, Supplier<SluiceRunner.Readiness> state, String host, int port, long maxBodyBytes,
                         GatewayAccess access, PrometheusMeterRegistry metrics,
                         StatusLookup statuses, PipelineDescription.Graph pipeline) {
        return new Gateway(client, state, host, port, maxBodyBytes, access, metrics, statuses, pipeline);
    }

    /**
     * Starts the gateway of a running pipeline at {@code address}: readiness as {@code health.max.poll.idle.ms}
     * says, its metrics, job status unless {@code status.retention.ms} is 0, and its graph on the dashboard.
     */
    public static Gateway serve(JobClient<Object, Object> client, SluiceRunner runner, SluiceConfig config,
                         Pipeline pipeline, GatewayAddress address, GatewayAccess access) {
        return start(client, () -> runner.readiness(config.healthMaxPollIdle()), address.host(), address.port(),
                DEFAULT_MAX_BODY_BYTES, access, Metrics.of(runner), config.statusRetention().isZero() ? null
                        : new StatusLookup(() -> runner.streams(SluiceTopology.MAIN), address.advertised()),
                PipelineDescription.graph(pipeline, config.topicPrefix()));
    }

    private Gateway(JobClient<Object, Object> client, Supplier<SluiceRunner.Readiness> state, String host, int port, long maxBodyBytes,
                    GatewayAccess access, PrometheusMeterRegistry metrics,
                    StatusLookup statuses, PipelineDescription.Graph pipeline) {
        this.statuses = statuses;
        this.recent = new RecentJobs(client::events);
        this.metrics = metrics;
        this.stats = metrics == null ? null : new StageStats(metrics);
        this.access = access;
        this.client = client;
        this.state = state;
        this.maxBodyBytes = maxBodyBytes;
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = maxBodyBytes;
            config.routes.before(this::authorize);
            if (pipeline != null) {
                String graph = JSON.valueToTree(pipeline).toString();
                route(config, "GET", "/", ctx -> page(ctx, "dashboard.html", "text/html; charset=utf-8"));
                route(config, "GET", "/dashboard.js", ctx -> page(ctx, "dashboard.js", "text/javascript; charset=utf-8"));
                route(config, "GET", "/dashboard.css", ctx -> page(ctx, "dashboard.css", "text/css; charset=utf-8"));
                route(config, "GET", "/v1/pipeline", ctx -> ctx.status(200).contentType("application/json").result(graph));
            }
            route(config, "GET", "/v1/jobs", this::latest);
            route(config, "GET", "/health/live", ctx -> json(ctx, 200, object().put("status", "UP")));
            route(config, "GET", "/health/ready", this::ready);
            route(config, "POST", "/v1/jobs", this::submit);
            route(config, "GET", "/openapi.json", ctx -> ctx.status(200).contentType("application/json").result(OPENAPI));
            if (metrics != null) {
                route(config, "GET", "/metrics", ctx -> ctx.status(200)
                        .contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
                route(config, "GET", "/v1/stats", ctx -> json(ctx, 200, stats.json(JSON)));
            }
            if (statuses != null) {
                route(config, "GET", "/v1/jobs/{id}", this::status);
                route(config, "GET", "/v1/jobs/{id}/events", this::events);
            }
            route(config, "DELETE", "/v1/jobs/{id}", this::cancel);
            route(config, "POST", "/v1/pipeline/pause", ctx -> pause(ctx, true));
            route(config, "POST", "/v1/pipeline/resume", ctx -> pause(ctx, false));
            config.routes.exception(BadRequest.class, (e, ctx) -> {
                ctx.attribute(ANSWERED, Boolean.TRUE);
                json(ctx, e.status, object().put("error", e.getMessage()).put("field", e.field));
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                String incident = UUID.randomUUID().toString();
                log.error("HTTP {} {} failed (incident {})", ctx.method(), ctx.path(), incident, e);
                json(ctx, 500, object().put("error", "internal error; the server's log has it as incident " + incident));
            });
            config.routes.error(404, ctx -> {
                if (ctx.attribute(ANSWERED) == null) { // a route's own 404 (an unknown job) says more
                    json(ctx, 404, object().put("error", "no such resource: " + ctx.method() + " " + ctx.path()));
                }
            });
            config.routes.error(405, ctx -> json(ctx, 405, object().put("error", ctx.method() + " is not allowed on "
                    + ctx.path())));
            config.routes.error(413, ctx -> {
                if (ctx.attribute(ANSWERED) == null) { // a route's own 413 (a job too large to send) says more
                    json(ctx, 413, object().put("error", "request body is over the limit of " + maxBodyBytes + " bytes"));
                }
            });
        }).start(host, port);
        log.info("HTTP gateway on http://{}:{}", host, app.port());
    }

    /**
     * The settings of the gateway's job client over the deployment's: a send waits at most 10 s for the
     * cluster's metadata (the producer's max.block.ms, by default a minute), so that a POST while the
     * whole cluster is away answers 503 "not written" soon, and surely not written.
     */
    public static final Map<String, Object> CLIENT_SETTINGS = Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);

    /** How long a submission waits for the cluster to acknowledge a job before it answers 503. */
    static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);

    /** The OpenAPI document of this API, served at {@code GET /openapi.json}. */
    public static final String OPENAPI = resource("/openapi.json");

    /** The dashboard's files, by name. */
    private static final Map<String, String> DASHBOARD = Map.of(
            "dashboard.html", resource("/dashboard/dashboard.html"),
            "dashboard.js", resource("/dashboard/dashboard.js"),
            "dashboard.css", resource("/dashboard/dashboard.css"));

    /** The dashboard's file {@code name}, as {@code type}; revalidated, so a new version shows at once. */
    private static void page(Context ctx, String name, String type) {
        ctx.status(200).contentType(type).header("Cache-Control", "no-cache")
                .header("Content-Security-Policy", "default-src 'self'")
                .header("X-Content-Type-Options", "nosniff")
                .result(DASHBOARD.get(name));
    }

    /** GET /v1/jobs: the latest jobs seen, newest first ({@code ?limit=}, 1 to RecentJobs.KEPT, default 20). */
    private void latest(Context ctx) {
        int limit = 20;
        String text = ctx.queryParam("limit");
        if (text != null) {
            try {
                limit = Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                limit = 0;
            }
            if (limit < 1 || limit > RecentJobs.KEPT) {
                throw new BadRequest(400, "limit", "limit must be a whole number from 1 to " + RecentJobs.KEPT);
            }
        }
        ObjectNode body = object();
        var jobs = body.putArray("jobs");
        for (JobState job : recent.latest(limit)) {
            jobs.add(StatusLookup.json(job, null).without("keptBy"));
        }
        json(ctx, 200, body);
    }

    private static String resource(String name) {
        try (InputStream in = Gateway.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void route(JavalinConfig config, String method, String path, Handler handler) {
        switch (method) {
            case "GET" -> config.routes.get(path, handler);
            case "POST" -> config.routes.post(path, handler);
            case "DELETE" -> config.routes.delete(path, handler);
            default -> throw new IllegalArgumentException(method);
        }
        routes.add(method + " " + path);
    }

    /** Every route it serves, as "METHOD /path". */
    List<String> routes() {
        return List.copyOf(routes);
    }

    /** The port it listens on. */
    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
        timer.shutdownNow();
        try {
            recent.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (stats != null) {
            stats.close();
        }
    }

    /** Refuses a request {@link GatewayAccess} does not allow: 401 without the right token, 403 for a read token. */
    private void authorize(Context ctx) {
        int refused = access.check(ctx.method().name(), ctx.path(), ctx.header("Authorization"));
        if (refused == 401) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new BadRequest(401, null, ctx.header("Authorization") == null
                    ? "this gateway needs Authorization: Bearer <token>" : "wrong bearer token");
        }
        if (refused == 403) {
            throw new BadRequest(403, null, "this token may read only; submitting, cancelling and pausing need"
                    + " the gateway's http.token");
        }
    }

    private void ready(Context ctx) {
        SluiceRunner.Readiness now = state.get();
        ObjectNode body = object().put("status", now.ready() ? "UP" : "DOWN").put("state", now.state());
        if (now.reason() != null) {
            body.put("reason", now.reason());
        }
        json(ctx, now.ready() ? 200 : 503, body);
    }

    /**
     * POST /v1/jobs: a job as JSON, {@code {"jobId"?, "document": {"text", "id"?, "contentType"?,
     * "sourceUri"?}, "attributes"?, "tasks"?: [{"type", "params"?}], "priority"?, "deadline"?}}. 202 with
     * the job id once the cluster has acknowledged the job on {@code <prefix>.jobs}; with
     * {@code ?wait=DURATION} (e.g. 30s, 500ms, 2m), 200 with the result once it comes, or 202 with the id
     * if it did not come in time. A job that cannot be written gets 413 (over the producer's
     * max.request.size) or 503 (the cluster did not acknowledge it); while as many jobs as the gateway's
     * client allows are on their way, 429 at once, with Retry-After.
     */
    private void submit(Context ctx) throws IOException, InterruptedException {
        if (ctx.contentLength() > maxBodyBytes) {
            swallow(ctx);
            throw new BadRequest(413, null, "request body is " + ctx.contentLength() + " bytes, over the limit of "
                    + maxBodyBytes);
        }
        Duration wait = wait(ctx.queryParam("wait"));
        Job job = job(body(ctx), client);
        JobClient.Submission<Object> submitted = client.trySubmit(job).orElse(null);
        if (submitted == null) {
            ctx.header("Retry-After", "1");
            throw new BadRequest(429, null, "job " + job.getJobId() + " was not taken: " + client.inFlight()
                    + " jobs of this gateway are on their way, as many as it takes at once; try again shortly");
        }
        try {
            submitted.written().get(ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            BadRequest refused = notWritten(job.getJobId(), e.getCause());
            if (refused.status == 503) {
                ctx.header("Retry-After", "5");
            }
            throw refused;
        } catch (TimeoutException e) {
            ctx.header("Retry-After", "5");
            throw new BadRequest(503, null, "the cluster did not acknowledge job " + job.getJobId() + " within "
                    + ACK_TIMEOUT.toSeconds() + " s; it may still be written: submit it again with the same jobId"
                    + " (a repeat within the duplicate window is refused, and the job keeps one result)");
        }
        if (wait == null) {
            json(ctx, 202, object().put("jobId", job.getJobId()));
            return;
        }
        try {
            Result<Object> done = submitted.result().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            ctx.status(200).contentType("application/json").result(ResultJson.of(done));
        } catch (TimeoutException e) {
            json(ctx, 202, object().put("jobId", job.getJobId()).put("waited", "no result within " + wait.toMillis()
                    + " ms; it is still on its way"));
        } catch (ExecutionException e) {
            throw new IllegalStateException("job " + job.getJobId() + " was written, but its result cannot be read",
                    e.getCause());
        }
    }

    /** The most of a refused body the gateway reads and drops so that its answer reaches the client. */
    static final long MAX_SWALLOW_BYTES = 2L << 20;

    /**
     * Reads and drops a refused request's body, up to {@link #MAX_SWALLOW_BYTES}. A server that answers
     * and closes while the client is still sending makes its TCP stack reset the connection, and the
     * reset can reach the client before the answer does ("header parser received no bytes"): the client
     * never learns why. Reading the body first (as Tomcat's maxSwallowSize does) lets the 413 arrive; a
     * body larger still is cut off, as it must be.
     */
    private static void swallow(Context ctx) throws IOException {
        if (ctx.contentLength() <= MAX_SWALLOW_BYTES) {
            ctx.req().getInputStream().transferTo(OutputStream.nullOutputStream());
        }
    }

    /** The answer for a job the cluster did not take: 413 if it is too large to send, else 503 with the reason. */
    static BadRequest notWritten(String jobId, Throwable cause) {
        if (cause instanceof RecordTooLargeException) {
            return new BadRequest(413, null, "job " + jobId + " was not written, too large: " + cause.getMessage());
        }
        return new BadRequest(503, null, "job " + jobId + " was not written to the jobs topic: "
                + (cause == null ? "no reason given" : cause.getClass().getSimpleName() + ": " + cause.getMessage()));
    }

    /** GET /v1/jobs/{id}: the job's latest status from the status store, asked of the instance that keeps it. */
    private void status(Context ctx) throws InterruptedException {
        StatusLookup.Answer answer = statuses.find(ctx.pathParam("id"), ctx.header(StatusLookup.FORWARDED_HEADER),
                ctx.header("Authorization"));
        if (answer.status() == 503) {
            ctx.header("Retry-After", "1");
        }
        ctx.attribute(ANSWERED, Boolean.TRUE);
        ctx.status(answer.status()).contentType("application/json").result(answer.body());
    }

    /**
     * GET /v1/jobs/{id}/events: the job's status so far, its progress as it comes, then its result, as
     * Server-Sent Events ({@link EventStream}); {@code ?timeout=DURATION} (default and at most 5m).
     */
    private void events(Context ctx) throws Exception {
        String id = ctx.pathParam("id");
        Duration wait = ctx.queryParam("timeout") == null ? LONGEST_WAIT : wait(ctx.queryParam("timeout"), "timeout");
        String accept = ctx.header("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            throw new BadRequest(406, "Accept", "this is a stream of Server-Sent Events: ask with Accept: text/event-stream"
                    + " (an EventSource does; curl -N -H 'Accept: text/event-stream')");
        }
        String authorization = ctx.header("Authorization");
        ctx.attribute(ANSWERED, Boolean.TRUE);
        new SseHandler(sse -> {
            try {
                EventStream.follow(id, sse, client, statuses, authorization, wait, timer);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                sse.close();
            }
        }).handle(ctx);
    }

    /**
     * DELETE /v1/jobs/{id}: 409 with its end when the status store (if kept) says the job has ended (a
     * cancel would change nothing); else 202, the cancel written. A job the store does not know may be on
     * its way to the pipeline, and a cancel applies to it when it comes.
     */
    private void cancel(Context ctx) throws Exception {
        String id = ctx.pathParam("id");
        StatusLookup.Answer status = statuses == null ? null : statuses.find(id, null, ctx.header("Authorization"));
        if (status != null && status.status() == 200) {
            JsonNode state = JSON.readTree(status.body());
            if (StatusLookup.hasEnded(state)) {
                String end = state.path("status").asText();
                json(ctx, 409, object().put("jobId", id).put("status", end).put("error", "job " + id
                        + " has already ended " + end + "; a cancel changes nothing"));
                return;
            }
        }
        client.cancel(id, reason(ctx));
        json(ctx, 202, object().put("jobId", id).put("cancel", "requested: the job ends CANCELLED at the next stage it"
                + " reaches, unless it ends before"));
    }

    private void pause(Context ctx, boolean pause) throws Exception {
        String lane = ctx.queryParam("lane");
        if (pause) {
            client.pause(lane, reason(ctx));
        } else {
            client.resume(lane, reason(ctx));
        }
        json(ctx, 202, object().put(pause ? "pause" : "resume", lane == null ? "pipeline" : "lane " + lane));
    }

    private static String reason(Context ctx) {
        String reason = ctx.queryParam("reason");
        return reason == null ? "through the HTTP gateway" : reason;
    }

    private static JsonNode body(Context ctx) {
        String body = ctx.body();
        if (body.isBlank()) {
            throw new BadRequest(400, null, "request body is empty: a job is a JSON object with a document");
        }
        try {
            JsonNode tree = JSON.readTree(body);
            if (!tree.isObject()) {
                throw new BadRequest(400, null, "request body is not a JSON object");
            }
            return tree;
        } catch (JsonProcessingException e) {
            throw new BadRequest(400, null, "request body is not JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * The job a request's JSON describes, its payload of the pipeline's input type; a BadRequest naming
     * the first field that is wrong. A pass-through pipeline, which takes any payload, takes a Document.
     */
    static Job job(JsonNode body, JobClient<Object, Object> client) {
        Schema input = client.input().isAny() ? Document.getClassSchema() : client.input().schema();
        try {
            return JobJson.parse(body, UUID.randomUUID().toString(), input, client::job);
        } catch (InvalidJsonException e) {
            throw new BadRequest(400, e.field(), e.getMessage());
        }
    }

    /** {@code ?wait=}: 30s, 500ms, 2m, or a number of seconds; null when absent. */
    static Duration wait(String text) {
        return wait(text, "wait");
    }

    /** Query parameter {@code field}, a duration of at most {@link #LONGEST_WAIT}; null when absent. */
    static Duration wait(String text, String field) {
        if (text == null) {
            return null;
        }
        Duration wait;
        try {
            wait = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, field, field + " must be a duration such as 30s, 500ms or 2m");
        }
        if (wait.compareTo(LONGEST_WAIT) > 0) {
            throw new BadRequest(400, field, field + " must be at most " + LONGEST_WAIT.toMinutes() + "m");
        }
        return wait;
    }

    private static ObjectNode object() {
        return JSON.createObjectNode();
    }

    private static void json(Context ctx, int status, JsonNode body) {
        ctx.status(status).contentType("application/json").result(body.toString());
    }

    /** A request the gateway refuses: its status, the field at fault (or null) and why. */
    static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final String field;

        BadRequest(int status, String field, String message) {
            super(message, null, false, false);
            this.status = status;
            this.field = field;
        }
    }
}
