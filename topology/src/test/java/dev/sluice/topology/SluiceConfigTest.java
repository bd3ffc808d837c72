package dev.sluice.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.junit.jupiter.api.Test;
import org.rocksdb.Options;

class SluiceConfigTest {

    @Test
    void shouldDefaultToExactlyOnceAndExplicitNaming() {
        SluiceConfig config = new SluiceConfig(Map.of("kafka.bootstrap.servers", "localhost:9092"));
        Properties props = config.streamsProperties();
        assertThat(props).containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, "exactly_once_v2")
                .containsEntry(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true)
                .containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "sluice-ingest")
                .containsEntry("producer.linger.ms", 5).containsEntry(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        assertThat(new StreamsConfig(props).getProducerConfigs("c")).containsEntry("linger.ms", 5)
                .containsEntry("batch.size", 131_072).containsEntry("retry.backoff.ms", 20);
        assertThat(config.registryUrl()).isEqualTo("mem://default");
        assertThat(config.passThrough()).isFalse();
    }

    @Test
    void shouldPassKafkaSettingsThroughUnderTheirOwnNames() {
        SluiceConfig config = new SluiceConfig(Map.of(
                "kafka.bootstrap.servers", "broker:9092",
                "kafka.processing.guarantee", "at_least_once",
                "kafka.producer.linger.ms", "20",
                "kafka.producer.batch.size", "16384",
                "kafka.producer.retry.backoff.ms", "100",
                "kafka.num.stream.threads", "2",
                "kafka.topic.min.insync.replicas", "2"));
        assertThat(config.streamsProperties()).containsEntry("processing.guarantee", "at_least_once")
                .containsEntry("producer.linger.ms", "20").containsEntry("producer.batch.size", "16384").containsEntry("num.stream.threads", "2")
                .containsEntry("producer.retry.backoff.ms", "100");
    }

    @Test
    void shouldFailOnAnUnknownKeyNamingIt() {
        assertThatThrownBy(() -> new SluiceConfig(Map.of("topics.prefx", "x")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("topics.prefx")
                .hasMessageContaining("topics.prefix");
        assertThatThrownBy(() -> new SluiceConfig(Map.of("kafka.bootstrap.server", "x")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.bootstrap.server");
        assertThatThrownBy(() -> new SluiceConfig(Map.of("kafka.producer.lingerms", "5")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.producer.lingerms");
    }

    @Test
    void shouldFailOnAnInvalidValueNamingTheKeyAndTheAllowedValues() {
        assertThatThrownBy(() -> new SluiceConfig(Map.of("mode", "turbo")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mode")
                .hasMessageContaining("pipeline").hasMessageContaining("passthrough");
        assertThatThrownBy(() -> new SluiceConfig(Map.of("topics.partitions", "0")))
                .hasMessageContaining("topics.partitions").hasMessageContaining("at least 1");
        assertThatThrownBy(() -> new SluiceConfig(Map.of("registry.url", "ftp://x")))
                .hasMessageContaining("registry.url");
        assertThatThrownBy(() -> new SluiceConfig(Map.of(
                "kafka.bootstrap.servers", "b:9092", "kafka.processing.guarantee", "exactly_twice")).streamsProperties())
                .isInstanceOf(ConfigException.class).hasMessageContaining("processing.guarantee")
                .hasMessageContaining("exactly_once_v2");
    }

    @Test
    void shouldRequireBootstrapServers() {
        assertThatThrownBy(() -> new SluiceConfig(Map.of()).streamsProperties())
                .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.bootstrap.servers");
    }

    @Test
    void shouldNameThePassThroughApplicationAfterTheMode() {
        SluiceConfig config = new SluiceConfig(Map.of("mode", "passthrough", "kafka.bootstrap.servers", "b:9092"));
        assertThat(config.passThrough()).isTrue();
        assertThat(config.streamsProperties()).containsEntry("application.id", "sluice-passthrough");
    }

    @Test
    void shouldShareOneBoundedRocksDbBudgetUnlessTheUserBringsASetter() {
        Properties props = new SluiceConfig(Map.of("kafka.bootstrap.servers", "b:9092")).streamsProperties();
        assertThat(props).containsEntry(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG,
                "dev.sluice.topology.internal.RocksDbMemory").containsEntry("sluice.rocksdb.memory.max.bytes", 64L << 20);
        assertThat(new SluiceConfig(Map.of("kafka.bootstrap.servers", "b:9092", "rocksdb.memory.max.bytes", "0"))
                .streamsProperties()).doesNotContainKey(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)
                .doesNotContainKey("sluice.rocksdb.memory.max.bytes");
        assertThat(new SluiceConfig(Map.of("kafka.bootstrap.servers", "b:9092",
                "kafka.rocksdb.config.setter", Mine.class.getName())).streamsProperties())
                .containsEntry(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, Mine.class.getName())
                .doesNotContainKey("sluice.rocksdb.memory.max.bytes");
        assertThatThrownBy(() -> new SluiceConfig(Map.of("kafka.bootstrap.servers", "b:9092",
                "kafka.rocksdb.config.setter", Mine.class.getName(), "rocksdb.memory.max.bytes", "1000000"))
                .streamsProperties()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("rocksdb.memory.max.bytes").hasMessageContaining("kafka.rocksdb.config.setter");
        assertThatThrownBy(() -> new SluiceConfig(Map.of("rocksdb.memory.max.bytes", "-1")))
                .hasMessageContaining("rocksdb.memory.max.bytes");
    }

    /** A user's own config setter. */
    public static final class Mine implements RocksDBConfigSetter {

        @Override
        public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        }

        @Override
        public void close(String storeName, Options options) {
        }
    }
}
