package dev.sluice.app.runtime;

import static dev.sluice.app.Cli.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.CommittedResults;
import dev.sluice.app.TestKafka;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.pipeline.Pipeline;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice dlq list} and {@code sluice dlq replay} against a real broker: the list shows each
 * dead letter's job, stage and error; a replayed job runs again under its id and gets a new result,
 * and a record that was never a readable job is replayed as it was.
 */
class DlqIT {

    private static final AtomicBoolean SERVICE_UP = new AtomicBoolean();

    @TempDir
    Path dir;

    @Test
    void shouldListTheDeadLettersAndReplayAChosenOne() throws Exception {
        Pipeline pipeline = Pipeline.builder("flaky").stage("fetch", Document.class, Document.class,
                (document, context, out) -> {
                    if (!SERVICE_UP.get()) {
                        throw new IOException("service down");
                    }
                    out.emit(document);
                }).build();
        try (TestKafka kafka = TestKafka.start()) {
            String registry = "mem://dlq-it";
            SluiceConfig config = new SluiceConfig(Map.of("topics.prefix", "dlqit", "registry.url", registry,
                    "kafka.bootstrap.servers", kafka.bootstrapServers()));
            Path cli = dir.resolve("cli.yaml");
            Files.writeString(cli, "topics: {prefix: dlqit}\nkafka: {bootstrap.servers: \"" + kafka.bootstrapServers()
                    + "\"}\n");
            try (SluiceRunner runner = SluiceRunner.start(config, pipeline,
                    Map.of(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString()))) {
                runner.awaitRunning(Duration.ofSeconds(60));
                SluiceTopics topics = SluiceTopics.create("dlqit", AvroSerdes.forUrl(registry));
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                        new ByteArraySerializer(), new ByteArraySerializer())) {
                    byte[] job = topics.jobs().valueSerde().serializer().serialize(topics.jobs().name(),
                            Jobs.text("job-1", "doc-1", "Needs the service."));
                    producer.send(new ProducerRecord<>(topics.jobs().name(), "job-1".getBytes(StandardCharsets.UTF_8),
                            job)).get();
                    producer.send(new ProducerRecord<>(topics.jobs().name(), "junk".getBytes(StandardCharsets.UTF_8),
                            new byte[] {1, 2, 3})).get();
                }
                assertThat(CommittedResults.read(kafka.bootstrapServers(), topics, 2, Duration.ofSeconds(60)))
                        .hasSize(2);

                String list = sluice("dlq", "list", "--config", cli.toString());
                assertThat(list).contains("dlqit.dlq-", "job job-1  stage fetch  java.io.IOException: service down"
                        + "  from dlqit.jobs-", "job junk  stage intake", "2 dead letters in dlqit.dlq");
                assertThat(sluice("dlq", "list", "--config", cli.toString(), "--error", "java.io.IOException"))
                        .contains("1 dead letter in dlqit.dlq").doesNotContain("junk");

                SERVICE_UP.set(true);
                String replay = sluice("dlq", "replay", "--config", cli.toString(), "--job", "job-1");
                assertThat(replay).contains("replayed dlqit.dlq-", "(job job-1) to dlqit.jobs-",
                        "1 of 1 chosen dead letter replayed to dlqit.jobs");

                Map<String, List<Result<Object>>> results = CommittedResults.read(kafka.bootstrapServers(), topics, 2,
                        Duration.ofSeconds(60));
                assertThat(results.get("job-1")).extracting(Result::getStatus)
                        .containsExactly(JobStatus.FAILED, JobStatus.COMPLETED);
                assertThat(sluice("dlq", "list", "--config", cli.toString())).contains("2 dead letters");
            }
        }
    }
}
