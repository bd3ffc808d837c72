package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.schemas.Document;
import dev.sluice.serdes.PayloadType;
import dev.sluice.topology.pipeline.StageDefinition;
import dev.sluice.topology.stages.Split;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void shouldFlattenTheFileAndPassKafkaSettingsThrough() throws IOException {
        ConfigLoader.Loaded loaded = ConfigLoader.load(yaml("""
                pipeline: ingest
                topics: {prefix: acme, partitions: 6}
                registry: {url: "mem://x"}
                kafka:
                  bootstrap.servers: broker-1:9092,broker-2:9092
                  processing.guarantee: at_least_once
                  producer:
                    linger.ms: 10
                """), Map.of(), Map.of());
        assertThat(loaded.config().topicPrefix()).isEqualTo("acme");
        assertThat(loaded.config().getInt("topics.partitions")).isEqualTo(6);
        assertThat(loaded.config().streamsProperties())
                .containsEntry("bootstrap.servers", "broker-1:9092,broker-2:9092")
                .containsEntry("processing.guarantee", "at_least_once")
                .containsEntry("producer.linger.ms", "10")
                .containsEntry("application.id", "acme-ingest");
        assertThat(loaded.pipeline().stages()).extracting(StageDefinition::name)
                .containsExactly("normalize", "route", "split", "enrich", "embed", "keywords", "merge", "assemble");
    }

    @Test
    void shouldLetTheEnvironmentOverrideTheFile() throws IOException {
        ConfigLoader.Loaded loaded = ConfigLoader.load(yaml("""
                topics: {prefix: from-file}
                kafka: {bootstrap.servers: "file:9092"}
                """), Map.of(
                        "SLUICE_TOPICS_PREFIX", "from-env",
                        "SLUICE_KAFKA_BOOTSTRAP_SERVERS", "env:9092",
                        "SLUICE_KAFKA_NUM_STREAM_THREADS", "2",
                        "HOME", "/root"), Map.of());
        assertThat(loaded.config().topicPrefix()).isEqualTo("from-env");
        assertThat(loaded.config().streamsProperties()).containsEntry("bootstrap.servers", "env:9092")
                .containsEntry("num.stream.threads", "2");
    }

    @Test
    void shouldPassSaslAndTlsSettingsFromTheFileAndTheEnvironmentToEveryClient() throws IOException {
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";";
        ConfigLoader.Loaded loaded = ConfigLoader.load(yaml("""
                kafka:
                  bootstrap.servers: "broker:9093"
                  security.protocol: SASL_SSL
                  sasl.mechanism: SCRAM-SHA-512
                  ssl.truststore.location: /etc/sluice/truststore.p12
                """), Map.of("SLUICE_KAFKA_SASL_JAAS_CONFIG", jaas,
                        "SLUICE_KAFKA_SSL_TRUSTSTORE_PASSWORD", "changeit"), Map.of());
        Map<String, Object> security = Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", jaas, "ssl.truststore.location", "/etc/sluice/truststore.p12",
                "ssl.truststore.password", "changeit");
        // Kafka Streams (and through it each segment's clients), and the admin and job clients
        assertThat(loaded.config().streamsProperties()).containsAllEntriesOf(security);
        assertThat(SluiceRunner.adminConfig(loaded.config().streamsProperties())).containsAllEntriesOf(security);
    }

    @Test
    void shouldReadStagesWithParametersAndLetTheEnvironmentSetOne() throws IOException {
        ConfigLoader.Loaded loaded = ConfigLoader.load(yaml("""
                pipeline: small-chunks
                stages:
                  - normalize
                  - {name: split, params: {size: 200, overlap: 20}}
                  - {name: embed, params: {dimension: 32}}
                  - {name: assemble}
                """), Map.of("SLUICE_STAGES_EMBED_DIMENSION", "64"), Map.of());
        assertThat(loaded.pipeline().name()).isEqualTo("small-chunks");
        assertThat(loaded.pipeline().stage("split", StageDefinition.FlatMap.class).stage()).isInstanceOf(Split.class);
        assertThat(loaded.pipeline().stages()).hasSize(4);
    }

    @Test
    void shouldTakeThePayloadTypesTheFileDeclaresAndNameAClassThatIsNotOne() throws IOException {
        ConfigLoader.Loaded loaded = ConfigLoader.load(yaml("""
                pipeline: declared
                payloads: {input: dev.sluice.schemas.Document, output: dev.sluice.schemas.Document}
                stages:
                  - {name: short-only, filter: "chars < 100"}
                """), Map.of(), Map.of());
        assertThat(loaded.pipeline().input()).isEqualTo(PayloadType.of(Document.class));
        assertThat(loaded.pipeline().output()).isEqualTo(PayloadType.of(Document.class));
        assertThatThrownBy(() -> ConfigLoader.load(yaml("""
                pipeline: declared
                payloads: {input: java.lang.String}
                stages: [normalize]
                """), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("payloads.input")
                .hasMessageContaining("not a class generated from an Avro record schema");
        assertThatThrownBy(() -> ConfigLoader.load(yaml("""
                pipeline: declared
                stages: [normalize]
                """), Map.of("SLUICE_PAYLOADS_OUTPUT", "com.acme.Nope"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("payloads.output")
                .hasMessageContaining("no such class");
    }

    @Test
    void shouldReadAPayloadTypeFromASchemaFileBesideTheConfiguration() throws IOException {
        Files.writeString(dir.resolve("order.avsc"), """
                {"type": "record", "name": "Order", "namespace": "com.example.shop",
                 "fields": [{"name": "id", "type": "string"}, {"name": "lines", "type": "int"}]}
                """);
        ConfigLoader.Loaded loaded = ConfigLoader.load(yaml("""
                pipeline: orders
                payloads: {input: order.avsc, output: order.avsc}
                stages:
                  - {name: big, filter: "payload.lines > 10"}
                """), Map.of(), Map.of());
        assertThat(loaded.pipeline().input().javaType()).isEqualTo(GenericRecord.class);
        assertThat(loaded.pipeline().input().schema().getFullName()).isEqualTo("com.example.shop.Order");
        assertThat(loaded.pipeline().output()).isEqualTo(loaded.pipeline().input());
        assertThatThrownBy(() -> ConfigLoader.load(yaml("""
                pipeline: orders
                payloads: {input: missing.avsc}
                stages:
                  - {name: big, filter: "payload.lines > 10"}
                """), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("payloads.input")
                .hasMessageContaining("not a readable Avro record schema");
        assertThatThrownBy(() -> ConfigLoader.load(yaml("""
                pipeline: orders
                payloads: {input: order.avsc, output: order.avsc}
                stages:
                  - {name: big, filter: "payload.pages > 10"}
                """), Map.of(), Map.of()))
                .hasMessageContaining("filter 'big': condition 'payload.pages > 10' names unknown field 'payload.pages'");
    }

    @Test
    void shouldSelectThePassThroughMode() throws IOException {
        ConfigLoader.Loaded loaded = ConfigLoader.load(yaml("mode: passthrough\n"), Map.of(), Map.of());
        assertThat(loaded.pipeline().isPassThrough()).isTrue();
    }

    @Test
    void shouldNameTheOffendingKey() throws IOException {
        assertThatThrownBy(() -> ConfigLoader.load(yaml("topics: {prefixx: a}\n"), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("topics.prefixx");
        assertThatThrownBy(() -> ConfigLoader.load(yaml("kafka: {bootstrap.servers: x, linger: 5}\n"), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.linger");
        assertThatThrownBy(() -> ConfigLoader.load(yaml("stages: [{name: split, parms: {size: 3}}]\n"), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages[0].parms");
        assertThatThrownBy(() -> ConfigLoader.load(yaml("stages: [{name: split, params: {size: -3}}]\n"), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("size").hasMessageContaining("at least 1");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLUICE_TOPICS_PARTITIONS", "many"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("topics.partitions");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLUICE_STAGES_TOKENIZE_SIZE", "3"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("SLUICE_STAGES_TOKENIZE_SIZE");
        assertThatThrownBy(() -> ConfigLoader.load(yaml("pipeline: custom\n"), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("pipeline").hasMessageContaining("no stages");
        assertThatThrownBy(() -> ConfigLoader.load(yaml("topics: [unclosed\n"), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not valid YAML");
    }
}
