package dev.sluice.app.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.app.TestKafka;
import dev.sluice.app.internal.TempDirs;
import dev.sluice.app.runtime.SluiceRunner;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.Jobs;
import dev.sluice.topology.JobStatuses;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.SluiceTopology;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.pipeline.PipelineConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The status store with two instances sharing the work, each with its gateway: every job's status
 * comes from either gateway, the one that does not keep it asking the one that does (application.server).
 */
class StatusIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient http = HttpClient.newHttpClient();

    private static Path dir;
    private static TestKafka kafka;
    private static final List<Instance> instances = new ArrayList<>();
    private static JobClient<Object, Object> client;

    /** One instance: its pipeline and its gateway. */
    private record Instance(SluiceRunner runner, Gateway gateway, HostInfo address) implements AutoCloseable {
        @Override
        public void close() {
            gateway.close();
            runner.close();
        }
    }

    /** Split, then a batch that holds each job's parts for a second, so that a job is seen RUNNING. */
    private static Pipeline pipeline() {
        return PipelineConfig.fromConfig("held", List.of(
                Map.of("name", "split", "params", Map.of("size", 40, "overlap", 0)),
                Map.of("name", "embed", "batch", Map.of("size", 1000, "linger", "1s")),
                Map.of("name", "assemble")));
    }

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("sluice-status-it-");
        kafka = TestKafka.start();
        SluiceConfig config = new SluiceConfig(Map.of(SluiceConfig.TOPICS_PREFIX_CONFIG, "st",
                SluiceConfig.REGISTRY_URL_CONFIG, "mem://status-it", SluiceConfig.TOPICS_PARTITIONS_CONFIG, 4,
                SluiceConfig.KAFKA_PREFIX + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        for (String name : List.of("a", "b")) {
            GatewayAddress address = GatewayAddress.of("127.0.0.1", 0, null);
            Map<String, Object> props = new HashMap<>(address.streamsProperties());
            props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve(name).toString());
            SluiceRunner runner = SluiceRunner.start(config, pipeline(), props);
            if (client == null) {
                client = JobClient.create(runner.clientConfig(), runner.topics());
            }
            Gateway gateway = Gateway.start(client, () -> runner.readiness(Duration.ofMinutes(1)), "127.0.0.1", address.port(), 64 * 1024, GatewayAccess.OPEN, null,
                    new StatusLookup(() -> runner.streams(SluiceTopology.MAIN), address.advertised()), null);
            instances.add(new Instance(runner, gateway, address.advertised()));
        }
        // both run, and the partitions are shared out
        Awaitility.await("both instances running with tasks of their own").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200)).until(() -> instances.stream().allMatch(i -> i.runner().state()
                        == KafkaStreams.State.RUNNING && i.runner().activeTasks() > 0));
    }

    @AfterAll
    static void stop() {
        instances.forEach(Instance::close);
        if (client != null) {
            client.close();
        }
        kafka.close();
        TempDirs.delete(dir);
    }

    private static HttpResponse<String> status(Instance asked, String jobId) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + asked.gateway().port() + "/v1/jobs/"
                + jobId)).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A job id whose status the instance at {@code owner} keeps. */
    private static String idKeptBy(Instance owner) {
        var streams = instances.get(0).runner().streams(SluiceTopology.MAIN);
        for (int i = 0; i < 10_000; i++) {
            String id = "job-" + UUID.randomUUID();
            if (JobStatuses.locate(streams, id).activeHost().equals(owner.address())) {
                return id;
            }
        }
        throw new AssertionError("no id kept by " + owner.address());
    }

    @Test
    void shouldAnswerForEveryJobFromEitherInstanceAskingTheOneThatKeepsIt() throws Exception {
        Instance a = instances.get(0);
        Instance b = instances.get(1);
        List<String> ids = List.of(idKeptBy(a), idKeptBy(b), idKeptBy(a), idKeptBy(b));
        for (String id : ids) {
            client.submit(Jobs.text(id, "doc-" + id, "A job whose status either instance can give. ".repeat(4)));
        }
        // while its parts wait in the batch, a job is RUNNING at embed
        Set<String> seenRunning = new HashSet<>();
        Set<String> completed = new HashSet<>();
        Awaitility.await("every job COMPLETED").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50)).until(() -> {
            for (String id : ids) {
                HttpResponse<String> answer = status(b, id);
                if (answer.statusCode() != 200) {
                    continue;
                }
                JsonNode state = JSON.readTree(answer.body());
                if (state.path("status").asText().equals("RUNNING")) {
                    assertThat(state.path("stage").asText()).isEqualTo("embed");
                    seenRunning.add(id);
                } else if (state.path("status").asText().equals("COMPLETED")) {
                    completed.add(id);
                }
            }
            return completed.size() == ids.size();
        });
        assertThat(completed).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(seenRunning).as("jobs seen RUNNING at embed while their parts waited").isNotEmpty();

        for (Instance asked : instances) {
            for (String id : ids) {
                HttpResponse<String> answer = status(asked, id);
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                JsonNode state = JSON.readTree(answer.body());
                HostInfo keeper = JobStatuses.locate(asked.runner().streams(SluiceTopology.MAIN), id).activeHost();
                assertThat(state.path("keptBy").asText()).isEqualTo(keeper.host() + ":" + keeper.port());
                assertThat(state.path("status").asText()).isEqualTo("COMPLETED");
                List<String> stages = new ArrayList<>();
                state.path("trace").forEach(t -> stages.add(t.path("stage").asText()));
                assertThat(stages).containsExactly("split", "embed", "assemble");
            }
        }
        assertThat(status(a, "unknown-job").statusCode()).isEqualTo(404);
        assertThat(status(b, "unknown-job").statusCode()).isEqualTo(404);
    }
}
