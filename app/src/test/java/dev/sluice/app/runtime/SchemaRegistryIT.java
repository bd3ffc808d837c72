package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.app.Ccompat;
import dev.sluice.app.Cli;
import dev.sluice.app.TestKafka;
import dev.sluice.app.embedded.ApicurioRegistry;
import dev.sluice.app.internal.TempDirs;
import dev.sluice.schemas.SchemaHistory;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.stages.BuiltinStages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sluice against a real Apicurio Registry, seen from the outside as another team would: a job built
 * by hand in the Confluent wire format against a schema registered through the registry's
 * Confluent-compatible API, and its result decoded with nothing but Avro and that API.
 */
class SchemaRegistryIT {

    private static final String PREFIX = "wire";
    private static final List<String> SUBJECTS = List.of("wire.jobs-value", "wire.jobs-payload", "wire.jobs.bulk-value",
            "wire.jobs.bulk-payload", "wire.results-value", "wire.results-payload", "wire.events-value",
            "wire.control-value");

    private static Path dir;
    private static TestKafka kafka;
    private static ApicurioRegistry registry;
    private static SluiceRunner runner;
    private static Ccompat ccompat;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("sluice-registry-it-");
        registry = ApicurioRegistry.start(0, null, Duration.ofSeconds(120));
        kafka = TestKafka.start();
        ccompat = new Ccompat(registry.ccompatUrl());
        Map<String, Object> settings = new HashMap<>();
        settings.put(SluiceConfig.TOPICS_PREFIX_CONFIG, PREFIX);
        settings.put(SluiceConfig.TOPICS_PARTITIONS_CONFIG, 2);
        settings.put(SluiceConfig.REGISTRY_URL_CONFIG, registry.ccompatUrl());
        settings.put(SluiceConfig.KAFKA_PREFIX + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        runner = SluiceRunner.start(new SluiceConfig(settings), BuiltinStages.ingest(),
                Map.of(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString()));
        runner.awaitRunning(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (runner != null) {
            runner.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (registry != null) {
            registry.close();
        }
        TempDirs.delete(dir);
    }

    @Test
    void shouldSetSluicesRuleOnEverySubjectAtStartUp() throws Exception {
        assertThat(ccompat.get("/subjects").json()).extracting(n -> n.asText()).containsAll(SUBJECTS);
        for (String subject : SUBJECTS) {
            Ccompat.Answer config = ccompat.get("/config/" + subject);
            assertThat(config.json().path("compatibilityLevel").asText()).as(subject).isEqualTo("FULL_TRANSITIVE");
        }
    }

    @Test
    void shouldRunAHandBuiltJobAndWriteAResultThatOnlyAvroAndTheCcompatApiDecode() throws Exception {
        // the oldest released Job schema, as a producer that never upgraded would have it
        Schema writer = SchemaHistory.versions("Job").get(0);
        Ccompat.Answer registered = ccompat.register("wire.jobs-value", writer);
        assertThat(registered.status()).as(registered.body()).isEqualTo(200);
        int jobSchemaId = registered.json().path("id").asInt();
        GenericRecord document = new GenericRecordBuilder(writer.getField("document").schema())
                .set("id", "handmade-doc").set("text", "A frame built by hand. It names a schema by its id.").build();
        GenericRecord job = new GenericRecordBuilder(writer).set("jobId", "handmade")
                .set("submittedAt", System.currentTimeMillis()).set("document", document).build();
        byte[] frame = Ccompat.frame(jobSchemaId, job);

        Map<String, Object> producerConfig = Map.of("bootstrap.servers", kafka.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig, new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("wire.jobs", "handmade", frame)).get();
        }

        assertHandDecodedOutput("handmade", "frame built by hand");
    }

    /**
     * What a producer in any language does with only the registry's schemas: the payload (a Document)
     * framed with the id of {@code wire.jobs-payload}'s latest schema, inside a Job framed with the id of
     * {@code wire.jobs-value}'s.
     */
    @Test
    void shouldRunAJobWhosePayloadWasBuiltByHandFromTheRegisteredSchemas() throws Exception {
        JsonNode payloadLatest = ccompat.get("/subjects/wire.jobs-payload/versions/latest").json();
        Schema payloadSchema = new Schema.Parser().parse(payloadLatest.path("schema").asText());
        assertThat(payloadSchema.getFullName()).isEqualTo("dev.sluice.schemas.Document");
        GenericRecord document = new GenericRecordBuilder(payloadSchema).set("id", "by-hand")
                .set("text", "A payload framed by hand, inside a job framed by hand.").build();
        byte[] payload = Ccompat.frame(payloadLatest.path("id").asInt(), document);

        JsonNode jobLatest = ccompat.get("/subjects/wire.jobs-value/versions/latest").json();
        Schema jobSchema = new Schema.Parser().parse(jobLatest.path("schema").asText());
        GenericRecord placeholder = new GenericRecordBuilder(jobSchema.getField("document").schema()).set("id", "").build();
        GenericRecord job = new GenericRecordBuilder(jobSchema).set("jobId", "by-hand")
                .set("submittedAt", System.currentTimeMillis()).set("document", placeholder)
                .set("payload", ByteBuffer.wrap(payload)).build();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                kafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("wire.jobs", "by-hand", Ccompat.frame(jobLatest.path("id").asInt(), job)))
                    .get();
        }
        assertHandDecodedOutput("by-hand", "framed by hand, inside a job");
    }

    /** Reads the job's result as a consumer in any language does: the JobResult, then its payload, each by its id. */
    private void assertHandDecodedOutput(String jobId, String text) throws Exception {
        byte[] result = readValue("wire.results", jobId, Duration.ofSeconds(60));
        int resultId = Ccompat.idOf(result);
        assertThat(resultId).isEqualTo(ccompat.get("/subjects/wire.results-value/versions/latest").json().path("id").asInt());
        GenericRecord decoded = ccompat.decode(result);
        assertThat(decoded.get("jobId")).hasToString(jobId);
        assertThat(decoded.get("status")).hasToString("COMPLETED");
        assertThat(decoded.get("output")).as("the field of results before payloads").isNull();
        ByteBuffer payload = (ByteBuffer) decoded.get("payload");
        byte[] frame = new byte[payload.remaining()];
        payload.get(frame);
        assertThat(Ccompat.idOf(frame)).isEqualTo(ccompat.get("/subjects/wire.results-payload/versions/latest").json()
                .path("id").asInt());
        GenericRecord output = ccompat.decode(frame);
        assertThat(output.getSchema().getName()).isEqualTo("IngestedDocument");
        assertThat((List<?>) output.get("chunks")).isNotEmpty().allSatisfy(chunk ->
                assertThat(((GenericData.Record) chunk).get("text").toString()).contains(text));
    }

    @Test
    void shouldLetTheRegistryRefuseAJobSchemaThatBreaksTheRule() throws Exception {
        // drops document, a field without a default: Sluice could not read such jobs
        Schema breaking = SchemaBuilder.record("Job").namespace("dev.sluice.schemas").fields()
                .requiredString("jobId").requiredLong("submittedAt").endRecord();
        Ccompat.Answer refused = ccompat.register("wire.jobs-value", breaking);
        assertThat(refused.status()).as(refused.body()).isEqualTo(409);
    }

    @Test
    void shouldCheckSluicesSchemasAgainstTheRegistryFromTheCommandLine() throws Exception {
        Path config = dir.resolve("check.yaml");
        Files.writeString(config, "topics: {prefix: wire}\n");
        String printed = Cli.sluice("schemas", "check", "--config", config.toString(), "--registry", registry.ccompatUrl());
        assertThat(printed).contains("wire.jobs-value", "wire.events-value", "registered as version 1", "wire.jobs-payload", "wire.results-payload", "8 of 8 subjects fit");
    }

    @Test
    void shouldRegisterSluicesSchemasUnderARuleFromTheCommandLine() throws Exception {
        Path config = dir.resolve("register.yaml");
        Files.writeString(config, "topics: {prefix: early}\n");
        String printed = Cli.sluice("schemas", "register", "--config", config.toString(), "--registry", registry.ccompatUrl(),
                "--compatibility", "backward_transitive");
        assertThat(printed).contains("registered 8 subjects");
        for (String subject : List.of("early.jobs-value", "early.jobs.bulk-value", "early.results-value",
                "early.events-value", "early.control-value")) {
            assertThat(ccompat.get("/subjects/" + subject + "/versions").json()).as(subject).hasSize(1);
            assertThat(ccompat.get("/config/" + subject).json().path("compatibilityLevel").asText()).as(subject)
                    .isEqualTo("BACKWARD_TRANSITIVE");
        }
        int jobsId = ccompat.get("/subjects/early.jobs-value/versions/latest").json().path("id").asInt();
        assertThat(printed).containsPattern("early\\.jobs-value +dev\\.sluice\\.schemas\\.Job +id " + jobsId + ",");
    }

    /** The value of the first record keyed {@code key} on {@code topic}, read committed, as bytes. */
    private static byte[] readValue(String topic, String key, Duration timeout) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "outsider-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(record.key())) {
                        return record.value();
                    }
                }
            }
        }
        throw new AssertionError("no record keyed " + key + " on " + topic + " within " + timeout);
    }
}
