package dev.sluice.app.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.app.Cli;
import dev.sluice.app.TestKafka;
import dev.sluice.app.cli.Main;
import dev.sluice.app.internal.TempDirs;
import dev.sluice.app.runtime.SluiceRunner;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.JobResult;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.SluiceTopology;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.pipeline.PipelineConfig;
import dev.sluice.topology.pipeline.PipelineDescription;
import dev.sluice.topology.stages.BuiltinStages;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP gateway in front of a running pipeline on a real broker, through a plain HTTP client. */
class GatewayIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REGISTRY = "mem://gateway-it";

    private static Path dir;
    private static TestKafka kafka;
    private static SluiceRunner runner;
    private static JobClient<Object, Object> client;
    private static Gateway gateway;
    private static GatewayAddress address;
    private static volatile SluiceRunner.Readiness reported;
    /** The built-in ingest pipeline from its configuration, with split streaming its outputs (its chunks). */
    private static final Pipeline PIPELINE = streamingSplit();

    private static Pipeline streamingSplit() {
        List<Map<String, Object>> stages = new ArrayList<>();
        for (Map<String, Object> stage : BuiltinStages.ingestConfig()) {
            Map<String, Object> copy = new LinkedHashMap<>(stage);
            if (copy.get("name").equals("split")) {
                copy.put("stream-outputs", true);
            }
            stages.add(copy);
        }
        return PipelineConfig.fromConfig("ingest", stages);
    }
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("sluice-gateway-it-");
        kafka = TestKafka.start();
        SluiceConfig config = new SluiceConfig(Map.of(SluiceConfig.TOPICS_PREFIX_CONFIG, "gw",
                SluiceConfig.REGISTRY_URL_CONFIG, REGISTRY,
                SluiceConfig.KAFKA_PREFIX + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        address = GatewayAddress.of("127.0.0.1", 0, null);
        runner = SluiceRunner.start(config, PIPELINE, Map.of(StreamsConfig.STATE_DIR_CONFIG,
                dir.resolve("state").toString(), StreamsConfig.APPLICATION_SERVER_CONFIG,
                "127.0.0.1:" + address.port()));
        runner.awaitRunning(Duration.ofSeconds(60));
        client = JobClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                SluiceTopics.create("gw", AvroSerdes.forUrl(REGISTRY)));
        gateway = Gateway.start(client, () -> reported != null ? reported : runner.readiness(Duration.ofMinutes(1)), "127.0.0.1", address.port(),
                64 * 1024, GatewayAccess.OPEN, Metrics.of(runner), statuses(), PipelineDescription.graph(PIPELINE, "gw"));
    }

    private static StatusLookup statuses() {
        return new StatusLookup(() -> runner.streams(SluiceTopology.MAIN), address.advertised());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        client.close();
        runner.close();
        kafka.close();
        TempDirs.delete(dir);
    }

    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("application/json"));
        return JSON.readTree(response.body());
    }

    @Test
    void shouldAnswerWithTheResultWhenAskedToWait() throws Exception {
        HttpResponse<String> response = send("POST", "/v1/jobs?wait=60s", """
                {"jobId": "http-1", "document": {"text": "Sent over HTTP. Waited for. Answered in one go."},
                 "attributes": {"team": "search"}}""");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode result = json(response);
        assertThat(result.path("jobId").asText()).isEqualTo("http-1");
        assertThat(result.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(result.path("attributes").path("team").asText()).isEqualTo("search");
        assertThat(result.path("output").path("chunks")).isNotEmpty();
    }

    /** The job's status once the status store says COMPLETED (it has it when the pipeline's commit is read back). */
    private static JsonNode completedStatus(String jobId) {
        return statusOnceEnded(jobId, "COMPLETED");
    }

    /** The job's status from the gateway, once the status store says it ended {@code end}. */
    private static JsonNode statusOnceEnded(String jobId, String end) {
        JsonNode[] status = {null};
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    HttpResponse<String> response = send("GET", "/v1/jobs/" + jobId, null);
                    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                    status[0] = json(response);
                    assertThat(status[0].path("status").asText()).isEqualTo(end);
                });
        return status[0];
    }

    @Test
    void shouldGiveAJobsStatusAndTraceFromTheStatusStore() throws Exception {
        send("POST", "/v1/jobs?wait=60s", "{\"jobId\": \"status-1\", \"document\": {\"text\": \"Where is it now?\"}}");
        JsonNode status = completedStatus("status-1");
        assertThat(status.path("jobId").asText()).isEqualTo("status-1");
        assertThat(status.path("acceptedAt").asText()).isNotEmpty();
        assertThat(status.path("keptBy").asText()).isEqualTo("127.0.0.1:" + gateway.port());
        List<String> stages = new ArrayList<>();
        status.path("trace").forEach(t -> stages.add(t.path("stage").asText()));
        assertThat(stages).containsExactly("normalize", "route", "split", "embed", "keywords", "merge", "assemble");

        // the command line asks the same gateway
        String printed = Cli.sluice("status", "status-1", "--gateway", "http://127.0.0.1:" + gateway.port());
        assertThat(printed).startsWith("job status-1: COMPLETED, accepted ").contains("  normalize ", "  assemble ",
                " took ");
        int exit = Main.execute("status", "never-submitted", "--gateway", "http://127.0.0.1:" + gateway.port());
        assertThat(exit).isEqualTo(1);

        HttpResponse<String> unknown = send("GET", "/v1/jobs/never-submitted", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).path("error").asText()).contains("never-submitted", "status.retention.ms");
    }

    /** The events of a Server-Sent Events stream, as [name, data] pairs, until it closes. */
    private static List<String[]> events(HttpResponse<Stream<String>> stream) {
        List<String[]> events = new ArrayList<>();
        String[] name = {null};
        stream.body().forEach(line -> {
            if (line.startsWith("event: ")) {
                name[0] = line.substring("event: ".length());
            } else if (line.startsWith("data: ")) {
                events.add(new String[] {name[0], line.substring("data: ".length())});
            }
        });
        return events;
    }

    @Test
    void shouldStreamAJobsProgressInOrderThenItsResult() throws Exception {
        var opened = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                + "/v1/jobs/sse-1/events?timeout=60s")).header("Accept", "text/event-stream").GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> stream = opened.get(30, TimeUnit.SECONDS);
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("text/event-stream"));
        send("POST", "/v1/jobs", "{\"jobId\": \"sse-1\", \"document\": {\"text\": \"" + "Streamed as it goes. ".repeat(60)
                + "\"}}");

        List<String[]> events = events(stream);
        List<String> names = events.stream().map(e -> e[0]).toList();
        assertThat(names).last().isEqualTo("result");
        List<String> steps = new ArrayList<>();
        List<JsonNode> outputs = new ArrayList<>();
        for (String[] event : events) {
            if (event[0].equals("progress")) {
                JsonNode progress = JSON.readTree(event[1]);
                assertThat(progress.path("jobId").asText()).isEqualTo("sse-1");
                steps.add(progress.path("type").asText() + (progress.has("stage") && !progress.path("type").asText()
                        .equals("ACCEPTED") ? " " + progress.path("stage").asText() : ""));
                if (progress.path("type").asText().equals("OUTPUT")) {
                    outputs.add(progress);
                }
            }
        }
        // split streams its outputs: each chunk as it is made, before split finishes the job
        assertThat(steps).startsWith("ACCEPTED", "STAGE_FINISHED normalize", "STAGE_FINISHED route", "OUTPUT split",
                "OUTPUT split", "STAGE_FINISHED split").endsWith("STAGE_FINISHED assemble", "COMPLETED");
        assertThat(outputs).extracting(o -> o.path("part").asText()).containsExactly("0/2", "1/2");
        assertThat(JSON.readTree(outputs.get(0).path("output").asText()).path("text").asText())
                .startsWith("Streamed as it goes.");
        JsonNode result = JSON.readTree(events.get(events.size() - 1)[1]);
        assertThat(result.path("jobId").asText()).isEqualTo("sse-1");
        assertThat(result.path("status").asText()).isEqualTo("COMPLETED");
    }

    @Test
    void shouldStreamTheStatusThenTheResultOfAJobThatHasEnded() throws Exception {
        assertThat(send("POST", "/v1/jobs?wait=60s", "{\"jobId\": \"sse-ended\", \"document\": {\"text\": \"Done.\"}}")
                .statusCode()).isEqualTo(200);
        completedStatus("sse-ended");
        HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + gateway.port() + "/v1/jobs/sse-ended/events")).header("Accept", "text/event-stream")
                .GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        List<String[]> events = events(stream);
        assertThat(events).extracting(e -> e[0]).containsExactly("status", "result");
        assertThat(JSON.readTree(events.get(0)[1]).path("status").asText()).isEqualTo("COMPLETED");
        assertThat(JSON.readTree(events.get(1)[1]).path("jobId").asText()).isEqualTo("sse-ended");
    }

    @Test
    void shouldEndAStreamThatOutwaitsItsTimeoutAndForgetTheJob() throws Exception {
        HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + gateway.port() + "/v1/jobs/sse-never/events?timeout=1s"))
                .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofLines());
        List<String[]> events = events(stream);
        assertThat(events).extracting(e -> e[0]).containsExactly("timeout");
        assertThat(JSON.readTree(events.get(0)[1]).path("error").asText()).contains("sse-never", "1000 ms");
        // the stream's wait for the result ended with it: the gateway's client awaits nothing once the jobs of
        // the other tests are done (it used to keep a future for every job ever streamed)
        Awaitility.await("the gateway's client awaits no job").atMost(Duration.ofSeconds(60))
                .until(() -> client.awaitedJobs() == 0);
    }

    @Test
    void shouldAcceptAJobAndGiveItsGeneratedId() throws Exception {
        HttpResponse<String> response = send("POST", "/v1/jobs", "{\"document\": {\"text\": \"No id given.\"}}");
        assertThat(response.statusCode()).isEqualTo(202);
        String id = json(response).path("jobId").asText();
        assertThat(id).matches("[0-9a-f-]{36}");
        assertThat(client.await(id, Duration.ofSeconds(60)).getStatus()).hasToString("COMPLETED");
    }

    @Test
    void shouldRefuseBadRequestsNamingTheFieldAndNeverShowAStackTrace() throws Exception {
        Map<String, String> fieldByBody = Map.of(
                "{\"document\": {}}", "document.text",
                "{\"jobId\": 7, \"document\": {\"text\": \"x\"}}", "jobId",
                "{\"document\": {\"text\": \"x\"}, \"colour\": \"red\"}", "colour",
                "{\"document\": {\"text\": \"x\"}, \"tasks\": [{\"params\": {}}]}", "tasks[0].type",
                "{\"document\": {\"text\": \"x\"}, \"deadline\": \"tomorrow\"}", "deadline",
                "{\"text\": \"x\"}", "text");
        for (Map.Entry<String, String> bad : fieldByBody.entrySet()) {
            HttpResponse<String> response = send("POST", "/v1/jobs", bad.getKey());
            assertThat(response.statusCode()).as(bad.getKey()).isEqualTo(400);
            assertThat(json(response).path("field").asText()).as(bad.getKey()).isEqualTo(bad.getValue());
        }
        HttpResponse<String> notJson = send("POST", "/v1/jobs", "{not json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson).path("error").asText()).startsWith("request body is not JSON");
        HttpResponse<String> badWait = send("POST", "/v1/jobs?wait=soon", "{\"document\": {\"text\": \"x\"}}");
        assertThat(json(badWait).path("field").asText()).isEqualTo("wait");
        HttpResponse<String> notAStream = send("GET", "/v1/jobs/some-job/events", null);
        assertThat(notAStream.statusCode()).isEqualTo(406);
        assertThat(json(notAStream).path("field").asText()).isEqualTo("Accept");
        HttpResponse<String> badTimeout = send("GET", "/v1/jobs/some-job/events?timeout=10h", null);
        assertThat(badTimeout.statusCode()).isEqualTo(400);
        assertThat(json(badTimeout).path("field").asText()).isEqualTo("timeout");

        for (String limit : List.of("0", "201", "many")) {
            HttpResponse<String> badLimit = send("GET", "/v1/jobs?limit=" + limit, null);
            assertThat(badLimit.statusCode()).as(limit).isEqualTo(400);
            assertThat(json(badLimit).path("field").asText()).as(limit).isEqualTo("limit");
        }

        HttpResponse<String> tooBig = null;
        for (int i = 0; i < 20; i++) { // the answer must arrive every time, not only when the close loses the race
            tooBig = send("POST", "/v1/jobs", "{\"document\": {\"text\": \"" + "x".repeat(70_000) + "\"}}");
            assertThat(tooBig.statusCode()).isEqualTo(413);
            assertThat(json(tooBig).path("error").asText()).contains("over the limit");
        }

        HttpResponse<String> nowhere = send("GET", "/v1/nowhere", null);
        assertThat(nowhere.statusCode()).isEqualTo(404);
        assertThat(json(nowhere).path("error").asText()).contains("/v1/nowhere");
        for (HttpResponse<String> response : List.of(notJson, badWait, notAStream, badTimeout, tooBig, nowhere)) {
            assertThat(response.body()).doesNotContain("Exception", "\tat ", "dev.sluice.");
        }
    }

    @Test
    void shouldExposeStageKafkaStreamsAndJvmMetricsInPrometheusFormat() throws Exception {
        assertThat(send("POST", "/v1/jobs?wait=60s", "{\"document\": {\"text\": \"Counted by every stage.\"}}")
                .statusCode()).isEqualTo(200);
        HttpResponse<String> metrics = send("GET", "/metrics", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        assertThat(metrics.body()).contains("# TYPE jvm_memory_used_bytes gauge", "process_cpu_usage")
                .containsPattern("kafka_stream_thread_process_(rate|total)\\{[^}]*segment=\"main\"")
                .containsPattern("kafka_stream_[a-z_]+\\{[^}]*segment=\"bulk\"")
                .containsPattern("kafka_producer_[a-z_]+\\{")
                .containsPattern("sluice_stage_records_total\\{outcome=\"out\",stage=\"split\"} [1-9]")
                .containsPattern("sluice_stage_processing_seconds_bucket\\{stage=\"embed\",le=\"[0-9.]+\"}")
                .containsPattern("sluice_gather_groups_total\\{outcome=\"complete\",stage=\"assemble\"} [1-9]")
                .containsPattern("sluice_lane_consumer_lag\\{lane=\"main\",topic=\"gw.jobs\"} [0-9]")
                .containsPattern("sluice_lane_consumer_lag\\{lane=\"bulk\",topic=\"gw.jobs.bulk\"} [0-9]");
    }

    @Test
    void shouldDescribeEveryRouteItServesInItsOpenApiDocument() throws Exception {
        HttpResponse<String> response = send("GET", "/openapi.json", null);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode document = json(response);
        assertThat(document.path("openapi").asText()).startsWith("3.1");
        List<String> documented = new ArrayList<>();
        document.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(
                method -> documented.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey())));
        assertThat(documented).containsExactlyInAnyOrderElementsOf(gateway.routes());
    }

    @Test
    void shouldGiveEachStagesCountsAndRate() throws Exception {
        assertThat(send("POST", "/v1/jobs?wait=60s", "{\"document\": {\"text\": \"Counted for the stats.\"}}")
                .statusCode()).isEqualTo(200);
        HttpResponse<String> stats = send("GET", "/v1/stats", null);
        assertThat(stats.statusCode()).isEqualTo(200);
        JsonNode stages = json(stats).path("stages");
        for (String stage : List.of("normalize", "route", "split", "embed", "keywords", "merge", "assemble")) {
            assertThat(stages.path(stage).path("in").asLong()).as(stage).isPositive();
            assertThat(stages.path(stage).has("ratePerSecond")).as(stage).isTrue();
        }
        assertThat(stages.path("split").path("out").asLong()).isGreaterThanOrEqualTo(stages.path("split").path("in").asLong());
        assertThat(stages.path("embed").path("failed").asLong()).isZero();
    }

    @Test
    void shouldBeLiveAlwaysAndReadyOnlyWhileThePipelineRuns() throws Exception {
        assertThat(send("GET", "/health/live", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/health/ready", null).statusCode()).isEqualTo(200);
        reported = new SluiceRunner.Readiness(false, "ERROR", "segment main is ERROR");
        try {
            HttpResponse<String> notReady = send("GET", "/health/ready", null);
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(json(notReady).path("state").asText()).isEqualTo("ERROR");
            assertThat(send("GET", "/health/live", null).statusCode()).isEqualTo(200);
        } finally {
            reported = null;
        }
    }

    @Test
    void shouldListTheLatestJobsNewestFirstWithTheirStatus() throws Exception {
        assertThat(send("POST", "/v1/jobs?wait=60s", "{\"jobId\": \"latest-1\", \"document\": {\"text\": \"First.\"}}")
                .statusCode()).isEqualTo(200);
        assertThat(send("POST", "/v1/jobs?wait=60s", "{\"jobId\": \"latest-2\", \"document\": {\"text\": \"Second.\"},"
                + " \"tasks\": [{\"type\": \"translate\"}]}").statusCode()).isEqualTo(200);
        JsonNode jobs = Awaitility.await("both jobs listed as ended").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100)).until(() -> json(send("GET", "/v1/jobs?limit=2", null)).path("jobs"),
                        list -> list.size() == 2 && list.get(0).path("jobId").asText().equals("latest-2")
                                && list.get(1).path("status").asText().equals("COMPLETED"));
        assertThat(jobs.get(0).path("status").asText()).isEqualTo("FAILED");
        assertThat(jobs.get(0).path("error").path("stage").asText()).isEqualTo("intake");
        assertThat(jobs.get(1).path("jobId").asText()).isEqualTo("latest-1");
        assertThat(jobs.get(1).path("trace").findValuesAsText("stage")).contains("split", "assemble");
        assertThat(jobs.get(1).has("keptBy")).isFalse();
    }

    @Test
    void shouldServeThePipelinesGraphAndTheDashboard() throws Exception {
        HttpResponse<String> response = send("GET", "/v1/pipeline", null);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode graph = json(response);
        assertThat(graph.path("name").asText()).isEqualTo("ingest");
        assertThat(graph.path("nodes").findValuesAsText("name")).containsExactly("gw.jobs", "gw.results", "gw.dlq",
                "normalize", "route", "split", "enrich", "embed", "keywords", "merge", "assemble", "gw.jobs.bulk");
        assertThat(graph.path("edges")).anySatisfy(edge -> {
            assertThat(edge.path("from").asText()).isEqualTo("route");
            assertThat(edge.path("to").asText()).isEqualTo("lane_bulk");
            assertThat(edge.path("label").asText()).isEqualTo("words > 600");
        });
        HttpResponse<String> page = send("GET", "/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue("default-src 'self'");
        assertThat(page.body()).contains("<script src=\"dashboard.js\"", "<link rel=\"stylesheet\" href=\"dashboard.css\">");
        assertThat(send("GET", "/dashboard.js", null).body()).contains("/v1/pipeline", "/v1/stats", "/v1/jobs");
        assertThat(send("GET", "/dashboard.css", null).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRequireTheBearerTokenWhenGivenOneButNotForHealthChecks() throws Exception {
        try (Gateway guarded = Gateway.start(client, () -> runner.readiness(Duration.ofMinutes(1)), "127.0.0.1", 0, 64 * 1024,
                new GatewayAccess("s3cret-token", "read-only-token"), null,
                statuses(), PipelineDescription.graph(PIPELINE, "gw"))) {
            String base = "http://127.0.0.1:" + guarded.port();
            String job = "{\"document\": {\"text\": \"guarded\"}}";
            HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/jobs"))
                    .POST(HttpRequest.BodyPublishers.ofString(job)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(json(none).path("error").asText()).contains("Authorization: Bearer");
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/jobs"))
                    .header("Authorization", "Bearer guess").POST(HttpRequest.BodyPublishers.ofString(job)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(wrong.body()).doesNotContain("s3cret");
            HttpResponse<String> right = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/jobs"))
                    .header("Authorization", "Bearer s3cret-token").POST(HttpRequest.BodyPublishers.ofString(job)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(right.statusCode()).isEqualTo(202);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            // the dashboard's page holds no data and asks for the token; what it reads needs it
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            for (String data : List.of("/v1/pipeline", "/v1/jobs")) {
                assertThat(http.send(HttpRequest.newBuilder(URI.create(base + data)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).as(data).isEqualTo(401);
            }
            // the read-only token reads, and may not submit, cancel or pause
            for (String data : List.of("/v1/pipeline", "/v1/jobs")) {
                assertThat(http.send(HttpRequest.newBuilder(URI.create(base + data))
                        .header("Authorization", "Bearer read-only-token").build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).as(data).isEqualTo(200);
            }
            for (HttpRequest change : List.of(
                    HttpRequest.newBuilder(URI.create(base + "/v1/jobs")).POST(HttpRequest.BodyPublishers.ofString(job)),
                    HttpRequest.newBuilder(URI.create(base + "/v1/pipeline/pause")).POST(HttpRequest.BodyPublishers.noBody()),
                    HttpRequest.newBuilder(URI.create(base + "/v1/jobs/some-job")).DELETE())
                    .stream().map(b -> b.header("Authorization", "Bearer read-only-token").build()).toList()) {
                HttpResponse<String> refused = http.send(change, HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).as(change.method() + " " + change.uri().getPath()).isEqualTo(403);
                assertThat(json(refused).path("error").asText()).contains("read only");
            }
            assertThat(runner.isPaused()).isFalse();
        }
    }

    @Test
    void shouldAnswer202OnlyForAJobTheClusterHasAndRefuseAtOnceWhenFull() throws Exception {
        // a client whose producer sends at most 16 KiB, with room for one job on its way
        try (JobClient<Object, Object> small = JobClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                        "max.request.size", 16 * 1024), SluiceTopics.create("gw", AvroSerdes.forUrl(REGISTRY)), 0, 1,
                        Duration.ofMinutes(1));
             Gateway strict = Gateway.start(small, () -> runner.readiness(Duration.ofMinutes(1)), "127.0.0.1", 0,
                     64 * 1024, GatewayAccess.OPEN, null, null, null)) {
            URI jobs = URI.create("http://127.0.0.1:" + strict.port() + "/v1/jobs");
            // over the producer's max.request.size: never written, so not a 202
            HttpResponse<String> tooLarge = http.send(HttpRequest.newBuilder(jobs).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"jobId\": \"gw-big\", \"document\": {\"text\": \"" + "x".repeat(40_000) + "\"}}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(tooLarge.statusCode()).isEqualTo(413);
            assertThat(json(tooLarge).path("error").asText()).contains("gw-big", "max.request.size");
            // paused, the pipeline keeps the first job on its way; the gateway refuses the next at once
            client.pause(null, "GatewayIT: hold the first job");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(runner::isPaused);
            CompletableFuture<Result<Object>> firstResult = client.result("gw-first");
            try {
                HttpResponse<String> first = http.send(HttpRequest.newBuilder(jobs).POST(HttpRequest.BodyPublishers
                        .ofString("{\"jobId\": \"gw-first\", \"document\": {\"text\": \"First in.\"}}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(first.statusCode()).isEqualTo(202);
                HttpResponse<String> full = http.send(HttpRequest.newBuilder(jobs).POST(HttpRequest.BodyPublishers
                        .ofString("{\"jobId\": \"gw-second\", \"document\": {\"text\": \"No room.\"}}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(full.statusCode()).isEqualTo(429);
                assertThat(full.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(json(full).path("error").asText()).contains("gw-second", "1 jobs of this gateway");
            } finally {
                client.resume(null, "GatewayIT: let it go");
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !runner.isPaused());
            }
            assertThat(firstResult.get(60, TimeUnit.SECONDS).getStatus()).hasToString("COMPLETED");
        }
    }

    @Test
    void shouldCancelAJobAndPauseAndResumeThePipeline() throws Exception {
        HttpResponse<String> paused = send("POST", "/v1/pipeline/pause?reason=test", null);
        assertThat(paused.statusCode()).isEqualTo(202);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(runner::isPaused);
        assertThat(send("POST", "/v1/jobs", "{\"jobId\": \"http-cancel\", \"document\": {\"text\": \"To be cancelled.\"}}")
                .statusCode()).isEqualTo(202);
        HttpResponse<String> cancelled = send("DELETE", "/v1/jobs/http-cancel", null);
        assertThat(cancelled.statusCode()).isEqualTo(202);
        assertThat(json(cancelled).path("jobId").asText()).isEqualTo("http-cancel");
        assertThat(send("POST", "/v1/pipeline/resume", null).statusCode()).isEqualTo(202);
        assertThat(client.await("http-cancel", Duration.ofSeconds(60)).getStatus()).hasToString("CANCELLED");

        // once the status store has its end, a job is not cancelled again, nor one that completed
        statusOnceEnded("http-cancel", "CANCELLED");
        HttpResponse<String> again = send("DELETE", "/v1/jobs/http-cancel", null);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(json(again).path("status").asText()).isEqualTo("CANCELLED");
        assertThat(send("POST", "/v1/jobs?wait=60s", "{\"jobId\": \"http-done\", \"document\": {\"text\": \"Done.\"}}")
                .statusCode()).isEqualTo(200);
        completedStatus("http-done");
        HttpResponse<String> done = send("DELETE", "/v1/jobs/http-done", null);
        assertThat(done.statusCode()).isEqualTo(409);
        assertThat(json(done).path("error").asText()).contains("http-done", "already ended COMPLETED");
    }
}
