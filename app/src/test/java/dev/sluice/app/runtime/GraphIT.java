package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.CommittedResults;
import dev.sluice.app.TestKafka;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.stages.BuiltinStages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full ingest graph (bulk lane, broadcast, join by chunk, gather) on a real broker: one
 * instance, two instances sharing the partitions, and a main group beside a bulk-lane group give
 * every job exactly one result, and the same results.
 */
class GraphIT {

    private static final String REGISTRY = "mem://graph-it";

    @TempDir
    static Path dir;

    private static TestKafka kafka;
    private static List<Job> jobs;

    @BeforeAll
    static void start() throws IOException {
        kafka = TestKafka.start();
        jobs = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(Path.of("..", "examples", "documents"))) {
            files = list.sorted().toList();
        }
        for (Path file : files) {
            jobs.add(Jobs.text("doc-" + file.getFileName(), file.getFileName().toString(),
                    Files.readString(file, StandardCharsets.UTF_8)));
        }
        String sentence = "Ingestion pipelines carry documents through stages and topics. ";
        for (int i = 0; i < 120; i++) {
            // every fifth is long enough for the bulk lane
            int repeats = i % 5 == 0 ? 90 + i : 1 + i % 17;
            jobs.add(Jobs.text("gen-" + i, "generated-" + i, "Document " + i + ". " + sentence.repeat(repeats)));
        }
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private static SluiceConfig config(String prefix) {
        return new SluiceConfig(Map.of("topics.prefix", prefix, "topics.partitions", "4", "registry.url", REGISTRY,
                "kafka.bootstrap.servers", kafka.bootstrapServers()));
    }

    private static SluiceRunner instance(String prefix, String name, Set<String> lanes) throws Exception {
        Path state = Files.createDirectories(dir.resolve(prefix + "-" + name));
        return SluiceRunner.start(config(prefix), BuiltinStages.ingest(), Map.of(StreamsConfig.STATE_DIR_CONFIG,
                state.toString(), StreamsConfig.CLIENT_ID_CONFIG, prefix + "-" + name), lanes);
    }

    /** Submits every job and returns the outputs by job id, after checking each job has one committed result. */
    private static Map<String, IngestedDocument> run(String prefix) throws Exception {
        SluiceTopics topics = SluiceTopics.create(prefix, AvroSerdes.forUrl(REGISTRY));
        Map<String, IngestedDocument> outputs = new LinkedHashMap<>();
        try (JobClient<Object, Object> client = JobClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics)) {
            List<CompletableFuture<Result<Object>>> futures = new ArrayList<>();
            for (Job job : jobs) {
                futures.add(client.submit(Job.newBuilder(job).build()));
            }
            client.flush();
            for (CompletableFuture<Result<Object>> future : futures) {
                var result = future.get(120, TimeUnit.SECONDS);
                assertThat(result.getStatus()).as("job %s", result.getJobId()).isEqualTo(JobStatus.COMPLETED);
                assertThat(result.getPartial()).isFalse();
                outputs.put(result.getJobId(), (IngestedDocument) result.getOutput());
            }
        }
        assertThat(CommittedResults.read(kafka.bootstrapServers(), topics, jobs.size(), Duration.ofSeconds(60)))
                .hasSize(jobs.size()).allSatisfy((id, results) -> assertThat(results).as("results of %s", id).hasSize(1));
        return outputs;
    }

    @Test
    void shouldGiveTheSameResultsFromOneInstanceTwoInstancesAndSeparateLaneGroups() throws Exception {
        Map<String, IngestedDocument> single;
        try (SluiceRunner one = instance("single", "a", Set.of())) {
            one.awaitRunning(Duration.ofSeconds(60));
            single = run("single");
        }
        long bulk = single.values().stream().filter(d -> d.getChunks().size() > 6).count();
        assertThat(bulk).as("some jobs are long enough for the bulk lane").isGreaterThan(5);

        Map<String, IngestedDocument> pair;
        try (SluiceRunner a = instance("pair", "a", Set.of()); SluiceRunner b = instance("pair", "b", Set.of())) {
            Awaitility.await().atMost(Duration.ofSeconds(90)).until(() ->
                    a.state() == KafkaStreams.State.RUNNING
                            && b.state() == KafkaStreams.State.RUNNING
                            && a.activeTasks() > 0 && b.activeTasks() > 0);
            pair = run("pair");
            assertThat(a.activeTasks()).as("instance a shares the work").isPositive();
            assertThat(b.activeTasks()).as("instance b shares the work").isPositive();
        }
        assertThat(pair).isEqualTo(single);

        Map<String, IngestedDocument> lanes;
        try (SluiceRunner main = instance("lanes", "main", Set.of("main"));
             SluiceRunner bulkGroup = instance("lanes", "bulk", Set.of("bulk"))) {
            main.awaitRunning(Duration.ofSeconds(60));
            bulkGroup.awaitRunning(Duration.ofSeconds(60));
            lanes = run("lanes");
        }
        assertThat(lanes).isEqualTo(single);
    }
}
