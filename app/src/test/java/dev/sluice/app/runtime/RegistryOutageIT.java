package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.Ccompat;
import dev.sluice.app.SluiceProcess;
import dev.sluice.app.TestKafka;
import dev.sluice.app.embedded.ApicurioRegistry;
import dev.sluice.app.embedded.EmbeddedKafka;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.schemas.SchemaHistory;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.stages.BuiltinStages;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Apicurio Registry that is not there: down when {@code sluice run} starts, and stopped and
 * started again (same port, same stored schemas) while a pipeline runs.
 */
class RegistryOutageIT {

    @TempDir
    Path dir;

    private Path config(TestKafka kafka, String prefix, String registryUrl, long startupTimeoutMs) throws Exception {
        Path config = dir.resolve(prefix + ".yaml");
        Files.writeString(config, """
                topics: {prefix: %s, partitions: 2}
                registry: {url: "%s", startup.timeout.ms: %d}
                kafka:
                  bootstrap.servers: %s
                  state.dir: %s
                """.formatted(prefix, registryUrl, startupTimeoutMs, kafka.bootstrapServers(), dir.resolve(prefix + "-state")));
        return config;
    }

    @Test
    void shouldWaitAtStartUpForARegistryThatIsDownAndRunOnceItAnswers() throws Exception {
        int port = EmbeddedKafka.freePort();
        String url = "http://127.0.0.1:" + port + ApicurioRegistry.CCOMPAT_PATH;
        try (TestKafka kafka = TestKafka.start();
             SluiceProcess sluice = SluiceProcess.start(dir.resolve("late"), Map.of(), "run", "--config",
                     config(kafka, "late", url, 120_000).toString())) {
            sluice.awaitLog("waiting for schema registry " + url, Duration.ofSeconds(60));
            assertThat(sluice.err()).contains("connection refused", "registry.startup.timeout.ms");
            try (ApicurioRegistry registry = ApicurioRegistry.start(port, null, Duration.ofSeconds(120))) {
                sluice.awaitLog("schema registry " + url + " answers", Duration.ofSeconds(60));
                SluiceTopics topics = SluiceTopics.create("late", AvroSerdes.forUrl(url));
                try (JobClient<Object, Object> client = JobClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics)) {
                    assertThat(client.submit(Jobs.text("after-the-wait", "doc", "The registry came up late."))
                            .get(90, TimeUnit.SECONDS).getStatus()).isEqualTo(JobStatus.COMPLETED);
                }
            }
        }
    }

    @Test
    void shouldGiveUpWithAClearMessageWhenTheRegistryNeverAnswers() throws Exception {
        int port = EmbeddedKafka.freePort();
        try (TestKafka kafka = TestKafka.start();
             SluiceProcess sluice = SluiceProcess.start(dir.resolve("never"), Map.of(), "run", "--config",
                     config(kafka, "never", "http://127.0.0.1:" + port + "/apis/ccompat/v7", 3_000).toString())) {
            assertThat(sluice.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(sluice.process().exitValue()).isEqualTo(1);
            assertThat(sluice.err()).contains("sluice: schema registry http://127.0.0.1:" + port
                    + "/apis/ccompat/v7 did not answer within 3 s (registry.startup.timeout.ms)", "connection refused");
        }
    }

    @Test
    void shouldLoseNoJobWhileTheRegistryIsStoppedAndStartedAgain() throws Exception {
        Path data = dir.resolve("registry-data");
        ApicurioRegistry registry = ApicurioRegistry.start(0, data, Duration.ofSeconds(120));
        int port = registry.port();
        String url = registry.ccompatUrl();
        try (TestKafka kafka = TestKafka.start()) {
            Map<String, Object> settings = new HashMap<>();
            settings.put(SluiceConfig.TOPICS_PREFIX_CONFIG, "outage");
            settings.put(SluiceConfig.TOPICS_PARTITIONS_CONFIG, 2);
            settings.put(SluiceConfig.REGISTRY_URL_CONFIG, url);
            settings.put(SluiceConfig.KAFKA_PREFIX + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            SluiceTopics topics = SluiceTopics.create("outage", AvroSerdes.forUrl(url));
            try (SluiceRunner runner = SluiceRunner.start(new SluiceConfig(settings), BuiltinStages.ingest(),
                    Map.of(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("outage-state").toString()));
                 JobClient<Object, Object> client = JobClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics);
                 KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                         Map.of("bootstrap.servers", kafka.bootstrapServers()), new StringSerializer(),
                         new ByteArraySerializer())) {
                runner.awaitRunning(Duration.ofSeconds(60));
                assertThat(client.submit(Jobs.text("before", "doc", "Before the outage.")).get(60, TimeUnit.SECONDS)
                        .getStatus()).isEqualTo(JobStatus.COMPLETED);

                // another team's producer, a version ahead: a schema this instance has never read
                Schema theirs = new Schema.Parser().parse(SchemaHistory.portable(Job.getClassSchema()).toString()
                        .replaceFirst("\"fields\":\\[", "\"fields\":[{\"name\":\"team\",\"type\":\"string\",\"default\":\"\"},"));
                Ccompat.Answer registered = new Ccompat(url).register("outage.jobs-value", theirs);
                assertThat(registered.status()).as(registered.body()).isEqualTo(200);
                byte[] theirJob = Ccompat.frame(registered.json().path("id").asInt(), job(theirs, "theirs"));

                registry.close();
                assertThat(ApicurioRegistry.answers200(URI.create(url + "/subjects"))).isFalse();
                producer.send(new ProducerRecord<>("outage.jobs", "theirs", theirJob)).get();
                // a schema id this instance has read before needs no registry
                assertThat(client.submit(Jobs.text("during", "doc", "During the outage.")).get(60, TimeUnit.SECONDS)
                        .getStatus()).isEqualTo(JobStatus.COMPLETED);
                Assertions.assertThatThrownBy(() -> client.await("theirs", Duration.ofSeconds(5)))
                        .isInstanceOf(TimeoutException.class);
                assertThat(records(kafka, "outage.dlq")).isZero();

                registry = ApicurioRegistry.start(port, data, Duration.ofSeconds(120));
                assertThat(client.await("theirs", Duration.ofSeconds(90)).getStatus()).isEqualTo(JobStatus.COMPLETED);
                assertThat(records(kafka, "outage.dlq")).isZero();
            }
        } finally {
            registry.close();
        }
    }

    private static GenericRecord job(Schema schema, String jobId) {
        GenericRecord document = new GenericRecordBuilder(schema.getField("document").schema())
                .set("id", jobId + "-doc").set("text", "Written with a schema the pipeline never saw.").build();
        return new GenericRecordBuilder(schema).set("jobId", jobId).set("submittedAt", System.currentTimeMillis())
                .set("team", "search").set("document", document).build();
    }

    /** How many records {@code topic} holds. */
    private static long records(TestKafka kafka, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
                kafka.bootstrapServers()), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
