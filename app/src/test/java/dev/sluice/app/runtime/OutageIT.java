package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.app.CommittedResults;
import dev.sluice.app.KafkaCluster;
import dev.sluice.app.ResultCheck;
import dev.sluice.app.SluiceProcess;
import dev.sluice.app.embedded.EmbeddedKafka;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SluiceTopics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole cluster away for two minutes: two instances of {@code sluice run} (each in a JVM of its
 * own, with its gateway) work through jobs of the ingest pipeline under exactly_once_v2 when every
 * broker and the controller stop. While the cluster is away each instance stays up and says it is not
 * ready; a job client that waits longer than the outage (delivery.timeout.ms) writes its jobs once
 * the cluster is back, one with a shorter delivery.timeout.ms fails each job clearly, and the gateway
 * answers 503. Once the cluster is back each instance is ready again by itself, and a read_committed
 * consumer finds exactly one result for every job written before, during and after the outage, and
 * none for the jobs that were not written.
 */
class OutageIT {

    private static final String PREFIX = "outage";
    private static final Duration OUTAGE = Duration.ofMinutes(2);
    private static final int BEFORE = 3_000;
    private static final int DURING = 200;
    private static final int REFUSED = 3;
    private static final int AFTER = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void shouldComeBackByItselfAndEndEveryWrittenJobOnceAfterTheWholeClusterWasAway() throws Exception {
        Path config = dir.resolve("pipeline.yaml");
        Files.writeString(config, """
                topics: {prefix: %s, partitions: 4}
                registry: {url: "mem://outage-it"}
                kafka:
                  processing.guarantee: exactly_once_v2
                  consumer.session.timeout.ms: 6000
                  consumer.heartbeat.interval.ms: 1500
                """.formatted(PREFIX));
        try (KafkaCluster kafka = KafkaCluster.start(1)) {
            List<SluiceProcess> instances = new ArrayList<>();
            List<Integer> ports = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    ports.add(EmbeddedKafka.freePort());
                    instances.add(instance(kafka, config, i, ports.get(i)));
                    instances.get(i).awaitLog("REBALANCING -> RUNNING", Duration.ofSeconds(120));
                }
                for (int port : ports) {
                    awaitReady(port, true, Duration.ofSeconds(60));
                }
                SluiceTopics topics = SluiceTopics.create(PREFIX, AvroSerdes.forUrl("mem://outage-it"));
                CommittedResults.knowSluiceSchemas("outage-it", topics);
                Set<String> written = new LinkedHashSet<>();
                // waits out the outage: a send waits for the cluster's metadata, and the job is written when it is back
                int tenMinutes = (int) Duration.ofMinutes(10).toMillis();
                Map<String, Object> patient = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, tenMinutes, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, tenMinutes);
                // gives up on a job after 5 s without metadata, or 20 s without an acknowledgement
                Map<String, Object> impatient = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
                try (JobClient<Object, Object> client = JobClient.create(patient, topics, 0, 10_000, Duration.ofSeconds(60));
                     JobClient<Object, Object> hasty = JobClient.create(impatient, topics, 0, 10_000, Duration.ofSeconds(60))) {
                    List<CompletableFuture<Result<Object>>> before = submit(client, "before", BEFORE, written);
                    // the cluster goes while the instances are in the middle of the work
                    Awaitility.await("some results before the outage").atMost(Duration.ofSeconds(120))
                            .until(() -> before.stream().filter(CompletableFuture::isDone).count() >= BEFORE / 5);
                    long stopped = System.nanoTime();
                    kafka.stopAll();

                    for (int port : ports) {
                        JsonNode down = awaitReady(port, false, Duration.ofSeconds(60));
                        assertThat(down.path("reason").asText()).contains("connected to no broker");
                    }
                    // a send may wait for the cluster, so the jobs of the outage go from a thread of their own
                    CompletableFuture<List<CompletableFuture<Result<Object>>>> during = CompletableFuture.supplyAsync(
                            () -> submit(client, "during", DURING, written));
                    List<JobClient.Submission> refused = new ArrayList<>();
                    for (int i = 0; i < REFUSED; i++) {
                        refused.add(hasty.trySubmit(job("refused-" + i)).orElseThrow());
                    }
                    HttpResponse<String> posted = post(ports.get(0), "gateway-1");
                    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(503);
                    assertThat(posted.body()).contains("was not written");
                    assertThat(posted.headers().firstValue("Retry-After")).isPresent();
                    for (JobClient.Submission<Object> submission : refused) {
                        assertThat(submission.written()).failsWithin(Duration.ofSeconds(60))
                                .withThrowableOfType(ExecutionException.class)
                                .withCauseInstanceOf(TimeoutException.class);
                        assertThat(submission.result()).failsWithin(Duration.ofSeconds(1))
                                .withThrowableOfType(ExecutionException.class)
                                .withMessageContaining("was not sent");
                    }
                    assertThat(instances).as("instances alive during the outage")
                            .allMatch(i -> i.process().isAlive());
                    long left = OUTAGE.toNanos() - (System.nanoTime() - stopped);
                    TimeUnit.NANOSECONDS.sleep(Math.max(0, left));
                    assertThat(instances).as("instances alive after the outage").allMatch(i -> i.process().isAlive());
                    // a send waits for metadata it lacks, or holds the job in its buffer when it has some:
                    // either way none of the outage's jobs has been written, and none has failed
                    assertThat(!during.isDone() || during.join().stream().noneMatch(CompletableFuture::isDone))
                            .as("the patient client's jobs still wait, neither written nor failed").isTrue();
                    kafka.startAll();

                    for (int i = 0; i < ports.size(); i++) {
                        try {
                            awaitReady(ports.get(i), true, Duration.ofMinutes(3));
                        } catch (ConditionTimeoutException e) {
                            throw new AssertionError(e.getMessage() + "\n" + instances.get(i).describe(20_000), e);
                        }
                    }
                    List<CompletableFuture<Result<Object>>> after = submit(client, "after", AFTER, written);
                    // its 503 said "not written": submitted again, it is written once and has one result
                    HttpResponse<String> again = post(ports.get(1), "gateway-1");
                    assertThat(again.statusCode()).as(again.body()).isEqualTo(202);
                    synchronized (written) {
                        written.add("gateway-1");
                    }
                    for (List<CompletableFuture<Result<Object>>> results : List.of(before, during.get(5, TimeUnit.MINUTES),
                            after)) {
                        for (CompletableFuture<Result<Object>> result : results) {
                            assertThat(result.get(5, TimeUnit.MINUTES).getStatus()).isEqualTo(JobStatus.COMPLETED);
                        }
                    }
                }
                Map<String, List<Result<Object>>> results = CommittedResults.read(kafka.bootstrapServers(), topics,
                        written.size(), Duration.ofMinutes(2));
                Map<String, Integer> resultsPerId = new HashMap<>();
                results.forEach((id, each) -> resultsPerId.put(id, each.size()));
                ResultCheck check = ResultCheck.of(written, resultsPerId);
                long replaced = 0;
                for (SluiceProcess instance : instances) {
                    replaced += instance.err().lines().filter(l -> l.contains("lost its transaction")).count();
                }
                System.out.printf("OutageIT: %d jobs written, %s; stream threads replaced after a lost transaction: %d%n",
                        written.size(), check, replaced);
                assertThat(check.isClean()).as("%s", check).isTrue();
                assertThat(results.values()).allSatisfy(each -> assertThat(each.get(0).getStatus())
                        .isEqualTo(JobStatus.COMPLETED));
                for (SluiceProcess instance : instances) {
                    assertThat(instance.process().isAlive()).isTrue();
                    // a thread whose transaction the outage aborted is replaced (SluiceRunner), never the instance stopped
                    assertThat(instance.err()).doesNotContain("stopping this instance").doesNotContain("Exception in thread");
                }
                for (SluiceProcess instance : instances) {
                    instance.close();
                }
                assertThat(kafka.openTransactions()).as("transactions left open").isEmpty();
            } finally {
                for (SluiceProcess instance : instances) {
                    instance.close();
                }
            }
        }
    }

    private static Job job(String id) {
        return Jobs.text(id, "doc-" + id, "Document " + id + " says a few things about Kafka."
                + " It is long enough to be split in two chunks by the pipeline.".repeat(2));
    }

    private static List<CompletableFuture<Result<Object>>> submit(JobClient<Object, Object> client, String name, int count,
                                                             Set<String> written) {
        List<CompletableFuture<Result<Object>>> results = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Job job = job(name + "-" + i);
            synchronized (written) {
                written.add(job.getJobId());
            }
            results.add(client.submit(job));
        }
        return results;
    }

    private SluiceProcess instance(KafkaCluster kafka, Path config, int n, int port) throws Exception {
        Path home = dir.resolve("instance-" + n);
        return SluiceProcess.start(home, Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SLUICE_KAFKA_STATE_DIR", home.resolve("state").toString()), "run", "--config", config.toString(),
                "--http", Integer.toString(port), "--http-host", "127.0.0.1");
    }

    private static HttpResponse<String> post(int port, String id) throws Exception {
        String body = JSON.createObjectNode().put("jobId", id).set("document", JSON.createObjectNode()
                .put("id", "doc-" + id).put("text", "Sent through the gateway.")).toString();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/jobs"))
                .timeout(Duration.ofSeconds(90)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until GET /health/ready answers 200 ({@code ready}) or 503; its body. */
    private static JsonNode awaitReady(int port, boolean ready, Duration within) throws Exception {
        String[] body = new String[1];
        Awaitility.await("instance on " + port + (ready ? " ready" : " not ready")).atMost(within)
                .pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + port + "/health/ready")).timeout(Duration.ofSeconds(5)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
                    body[0] = answer.body();
                    return answer.statusCode() == (ready ? 200 : 503);
                });
        return JSON.readTree(body[0]);
    }
}
