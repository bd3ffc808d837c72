package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.app.SluiceProcess;
import dev.sluice.app.TestKafka;
import dev.sluice.app.internal.TempDirs;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.stages.BuiltinStages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sluice's Kafka Connect plugins in Connect's own standalone runtime, against a real broker and a
 * running pipeline: files in, jobs through the pipeline, results out to a file; a worker restarted with
 * the directory half taken goes on without losing or repeating a file.
 */
class ConnectIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "conn";
    private static final String REGISTRY = "mem://connect-it";
    private static final Duration WITHIN = Duration.ofSeconds(90);

    private static Path dir;
    private static Path inbox;
    private static Path results;
    private static TestKafka kafka;
    private static SluiceRunner runner;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("sluice-connect-it-");
        inbox = Files.createDirectories(dir.resolve("inbox"));
        results = dir.resolve("results.jsonl");
        kafka = TestKafka.start();
        SluiceConfig config = new SluiceConfig(Map.of(SluiceConfig.TOPICS_PREFIX_CONFIG, PREFIX,
                SluiceConfig.REGISTRY_URL_CONFIG, REGISTRY,
                SluiceConfig.KAFKA_PREFIX + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        runner = SluiceRunner.start(config, BuiltinStages.ingest(), Map.of(StreamsConfig.STATE_DIR_CONFIG,
                dir.resolve("state").toString()));
        runner.awaitRunning(WITHIN);
    }

    @AfterAll
    static void stop() {
        if (runner != null) {
            runner.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (dir != null) {
            TempDirs.delete(dir);
        }
    }

    private static Map<String, String> worker() throws Exception {
        Map<String, String> worker = ConnectWorker.load(Path.of("..", "connectors", "config", "worker.properties"));
        worker.put("bootstrap.servers", kafka.bootstrapServers());
        worker.put("offset.storage.file.filename", dir.resolve("connect.offsets").toString());
        worker.put("offset.flush.interval.ms", "200");
        worker.put("listeners", "http://127.0.0.1:0");
        return worker;
    }

    /** The ready-made connector files of connectors/config, pointed at this test's directory, topics and registry. */
    private static List<Map<String, String>> connectors() throws Exception {
        Map<String, String> source = ConnectWorker.load(Path.of("..", "connectors", "config",
                "directory-source.properties"));
        source.putAll(Map.of("directory", inbox.toString(), "topics.prefix", PREFIX, "registry.url", REGISTRY,
                "poll.interval.ms", "100", "batch.size", "2"));
        Map<String, String> sink = ConnectWorker.load(Path.of("..", "connectors", "config", "results-file-sink.properties"));
        sink.putAll(Map.of("topics", PREFIX + ".results", "file", results.toString(), "registry.url", REGISTRY,
                "errors.deadletterqueue.topic.name", PREFIX + ".results.connect-dlq"));
        return List.of(source, sink);
    }

    private static void write(String name, String text) throws Exception {
        write(inbox, name, text);
    }

    /** The results file's lines, each a JobResult as JSON, by job id. */
    private static Map<String, List<JsonNode>> resultsByJob() throws Exception {
        Map<String, List<JsonNode>> byJob = new HashMap<>();
        if (Files.exists(results)) {
            String text = Files.readString(results, StandardCharsets.UTF_8);
            // a line the sink is writing now is not one yet
            for (String line : text.substring(0, text.lastIndexOf('\n') + 1).lines().toList()) {
                JsonNode result = JSON.readTree(line);
                byJob.computeIfAbsent(result.path("jobId").asText(), id -> new ArrayList<>()).add(result);
            }
        }
        return byJob;
    }

    /** Every committed record of {@code topic} from its start to its end now. */
    private static List<ConsumerRecord<String, byte[]>> records(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            Awaitility.await().atMost(WITHIN).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
                return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            });
            return records;
        }
    }

    private static String header(ConsumerRecord<?, ?> record, String key) {
        var header = record.headers().lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldTurnFilesIntoJobsAndResultsIntoLinesAndGoOnAfterARestartWithoutLosingOrRepeatingAFile() throws Exception {
        write("a.txt", "The first document, plain text.");
        write("b.md", "# Second\n\nA markdown document.");
        write("sub/c.txt", "A document in a subdirectory.");
        write("lines.jsonl", "{\"jobId\": \"line-job-1\", \"document\": {\"text\": \"From a JSON line.\"}}\n"
                + "\n"
                + "{\"document\": {\"text\": \"Another, its id from the file and line.\"}}\n"
                + "{\"document\": {\"text\": 7}}\n"
                + "not json at all\n");
        write("ignored.pdf", "not an extension the source reads");

        try (ConnectWorker worker = ConnectWorker.start(worker(), connectors())) {
            Awaitility.await("the first five results").atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                    .until(() -> resultsByJob().size() == 5);
        }
        Map<String, List<JsonNode>> first = resultsByJob();
        assertThat(first).containsOnlyKeys("a.txt", "b.md", "sub/c.txt", "line-job-1", "lines.jsonl:3");
        assertThat(first.values()).allSatisfy(results -> {
            assertThat(results).hasSize(1);
            assertThat(results.get(0).path("status").asText()).isEqualTo("COMPLETED");
        });
        List<ConsumerRecord<String, byte[]>> deadLetters = records(PREFIX + ".dlq");
        assertThat(deadLetters).hasSize(2);
        assertThat(deadLetters).extracting(r -> header(r, "sluice.error.stage")).containsOnly("directory-source");
        assertThat(deadLetters).extracting(r -> header(r, "sluice.source.line")).containsExactlyInAnyOrder("4", "5");
        assertThat(deadLetters).anySatisfy(r -> {
            assertThat(header(r, "__streams.errors.message")).contains("lines.jsonl:4", "document.text must be a string");
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("{\"document\": {\"text\": 7}}");
        });

        // while the worker is down, new files come, one of them before the taken ones in path order
        write("0-early.txt", "Arrived while the worker was down, first in order.");
        write("d.txt", "Arrived while the worker was down.");
        write("more.ndjson", "{\"jobId\": \"line-job-2\", \"document\": {\"text\": \"A later JSON line.\"}}\n");
        try (ConnectWorker worker = ConnectWorker.start(worker(), connectors())) {
            Awaitility.await("the three new results").atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                    .until(() -> resultsByJob().size() == 8);
            // a last file, taken after every other: once its result is in, a repeat would be too
            write("zz-last.txt", "The last one.");
            Awaitility.await("the last result").atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                    .until(() -> resultsByJob().containsKey("zz-last.txt"));
        }
        Map<String, List<JsonNode>> all = resultsByJob();
        assertThat(all).containsOnlyKeys("a.txt", "b.md", "sub/c.txt", "line-job-1", "lines.jsonl:3", "0-early.txt",
                "d.txt", "line-job-2", "zz-last.txt");
        assertThat(all.values()).allSatisfy(results -> assertThat(results).hasSize(1));
        List<String> jobIds = records(PREFIX + ".jobs").stream().map(ConsumerRecord::key).toList();
        assertThat(jobIds).hasSize(9).doesNotHaveDuplicates();
        assertThat(records(PREFIX + ".dlq")).hasSize(2);
        assertThat(all.get("b.md").get(0).path("output").toString()).contains("markdown");
    }

    /**
     * A worker killed with SIGKILL (in a JVM of its own, as {@code sluice connect}) before it flushed its
     * offsets: on restart it sends again what it had sent, under the same job ids, and the pipeline
     * refuses each repeat as DuplicateJobId, so no file is lost and no job gets a second result.
     */
    @Test
    void shouldLoseNothingAndGiveNoJobASecondResultWhenTheWorkerIsKilled() throws Exception {
        String prefix = "conncrash";
        Path crash = Files.createDirectories(dir.resolve("crash"));
        Path crashInbox = Files.createDirectories(crash.resolve("inbox"));
        SluiceConfig config = new SluiceConfig(Map.of(SluiceConfig.TOPICS_PREFIX_CONFIG, prefix,
                SluiceConfig.REGISTRY_URL_CONFIG, REGISTRY,
                SluiceConfig.KAFKA_PREFIX + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        try (SluiceRunner pipeline = SluiceRunner.start(config, BuiltinStages.ingest(), Map.of(
                StreamsConfig.STATE_DIR_CONFIG, crash.resolve("state").toString()))) {
            pipeline.awaitRunning(WITHIN);
            List<String> before = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                String name = String.format("doc-%02d.txt", i);
                write(crashInbox, name, "Document " + i + ", taken before the worker was killed.");
                before.add(name);
            }
            write(crashInbox, "half.jsonl", "{\"jobId\": \"half-1\", \"document\": {\"text\": \"One.\"}}\n"
                    + "{\"jobId\": \"half-2\", \"document\": {\"text\": \"Two.\"}}\n");
            before.addAll(List.of("half-1", "half-2"));

            Map<String, String> workerProps = worker();
            workerProps.put("offset.storage.file.filename", crash.resolve("connect.offsets").toString());
            workerProps.put("offset.flush.interval.ms", "600000"); // nothing is flushed before the kill
            Map<String, String> sourceProps = new HashMap<>(connectors().get(0));
            sourceProps.putAll(Map.of("name", "crash-source", "directory", crashInbox.toString(), "topics.prefix", prefix));
            Path workerFile = properties(crash.resolve("worker.properties"), workerProps);
            Path sourceFile = properties(crash.resolve("source.properties"), sourceProps);

            SluiceProcess first = SluiceProcess.start(Files.createDirectories(crash.resolve("run-1")), Map.of(),
                    "connect", workerFile.toString(), sourceFile.toString());
            try {
                Awaitility.await("the first 22 results").atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                        .until(() -> resultKeys(prefix).containsAll(before));
                first.kill();
            } finally {
                first.close();
            }
            assertThat(keys(records(prefix + ".jobs"))).containsExactlyInAnyOrderElementsOf(before);

            write(crashInbox, "doc-21.txt", "Arrived while the worker was down.");
            write(crashInbox, "zz-last.txt", "The last one, taken after every other.");
            try (SluiceProcess second = SluiceProcess.start(Files.createDirectories(crash.resolve("run-2")), Map.of(),
                    "connect", workerFile.toString(), sourceFile.toString())) {
                Awaitility.await("the results of the files that came while it was down").atMost(WITHIN)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> resultKeys(prefix).containsAll(List.of("doc-21.txt", "zz-last.txt")));
                // every repeat is refused once it is read: the dead letters are the proof that it was
                Awaitility.await("a dead letter for each job sent again").atMost(WITHIN)
                        .pollInterval(Duration.ofMillis(200)).until(() -> records(prefix + ".dlq").size() >= before.size());
            }

            Map<String, Integer> sent = new HashMap<>();
            keys(records(prefix + ".jobs")).forEach(id -> sent.merge(id, 1, Integer::sum));
            Map<String, Integer> expected = new HashMap<>(Map.of("doc-21.txt", 1, "zz-last.txt", 1));
            before.forEach(id -> expected.put(id, 2));
            assertThat(sent).as("what the killed worker sent is sent again; the rest once").isEqualTo(expected);
            List<String> all = new ArrayList<>(expected.keySet());
            List<ConsumerRecord<String, byte[]>> results = records(prefix + ".results");
            assertThat(keys(results)).as("one result per job").containsExactlyInAnyOrderElementsOf(all);
            List<ConsumerRecord<String, byte[]>> deadLetters = records(prefix + ".dlq");
            assertThat(deadLetters).hasSize(before.size()).allSatisfy(dead -> {
                assertThat(header(dead, "__streams.errors.exception")).isEqualTo("DuplicateJobId");
                assertThat(header(dead, "sluice.error.stage")).isEqualTo("intake");
            });
            assertThat(deadLetters).extracting(dead -> header(dead, "sluice.job.id"))
                    .containsExactlyInAnyOrderElementsOf(before);
        }
    }

    /** Writes {@code name} under {@code directory} in whole, as a spooling directory takes files. */
    private static void write(Path directory, String name, String text) throws Exception {
        Path file = directory.resolve(name);
        Files.createDirectories(file.getParent());
        Path partial = file.resolveSibling("." + file.getFileName() + ".partial");
        Files.writeString(partial, text, StandardCharsets.UTF_8);
        Files.move(partial, file);
    }

    private static Path properties(Path file, Map<String, String> values) throws Exception {
        Properties props = new Properties();
        props.putAll(values);
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(out, null);
        }
        return file;
    }

    private static List<String> keys(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(ConsumerRecord::key).toList();
    }

    private static List<String> resultKeys(String prefix) {
        return keys(records(prefix + ".results"));
    }

    @Test
    void shouldRefuseAnInvalidConnectorConfigurationNamingTheKey() throws Exception {
        List<Map<String, String>> connectors = new ArrayList<>(connectors());
        Map<String, String> source = new HashMap<>(connectors.get(0));
        source.put("directory", dir.resolve("no-such-directory").toString());
        source.put("batch.size", "0");
        assertThatThrownBy(() -> ConnectWorker.start(worker(), List.of(source)).close())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("directory").hasMessageContaining("not a readable directory")
                .hasMessageContaining("batch.size");
    }
}
