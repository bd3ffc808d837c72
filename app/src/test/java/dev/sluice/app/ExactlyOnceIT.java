package dev.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.stages.BuiltinStages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 jobs through the ingest pipeline under exactly_once_v2 on a real broker: a read_committed
 * consumer finds exactly one result per job, and nothing else.
 */
class ExactlyOnceIT {

    private static final int JOBS = 10_000;

    @TempDir
    Path stateDir;

    @Test
    void shouldWriteExactlyOneCommittedResultPerJob() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            SluiceConfig config = new SluiceConfig(Map.of(
                    "topics.prefix", "eos",
                    "registry.url", "mem://exactly-once-it",
                    "kafka.bootstrap.servers", kafka.bootstrapServers()));
            assertThat(config.streamsProperties()).containsEntry("processing.guarantee", "exactly_once_v2");
            try (SluiceRunner runner = SluiceRunner.start(config, BuiltinStages.ingest(),
                    Map.of(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()))) {
                runner.awaitRunning(Duration.ofSeconds(60));
                SluiceTopics topics = SluiceTopics.create("eos", AvroSerdes.forUrl("mem://exactly-once-it", Map.of()));
                produce(kafka.bootstrapServers(), topics);
                Map<String, Integer> counts = countCommittedResults(kafka.bootstrapServers(), topics);

                assertThat(counts).hasSize(JOBS);
                assertThat(counts.values()).containsOnly(1);
                for (int i = 0; i < JOBS; i += 997) {
                    assertThat(counts).containsKey(id(i));
                }
            }
        }
    }

    private static String id(int i) {
        return "eos-job-" + i;
    }

    private static void produce(String bootstrap, SluiceTopics topics) throws Exception {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, Job> producer = new KafkaProducer<>(config,
                topics.jobs().keySerde().serializer(), topics.jobs().valueSerde().serializer())) {
            for (int i = 0; i < JOBS; i++) {
                Job job = Jobs.text(id(i), "doc-" + i, "Document number " + i + ". "
                        + "It says a few things about Kafka, streams and ingestion, so that it splits. ".repeat(1 + i % 12));
                producer.send(new ProducerRecord<>(topics.jobs().name(), job.getJobId(), job));
            }
            producer.flush();
        }
    }

    private static Map<String, Integer> countCommittedResults(String bootstrap, SluiceTopics topics) throws Exception {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, Integer> counts = new HashMap<>();
        try (KafkaConsumer<String, JobResult> consumer = new KafkaConsumer<>(config,
                topics.results().keySerde().deserializer(), topics.results().valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.results().name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
            long quietUntil = Long.MAX_VALUE;
            // read until every job has a result, then on for a few seconds more to catch any duplicate
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, JobResult> record : consumer.poll(Duration.ofMillis(200))) {
                    JobResult result = record.value();
                    assertThat(result.getStatus()).as("result of %s", result.getJobId()).isEqualTo(JobStatus.COMPLETED);
                    assertThat(record.key()).isEqualTo(result.getJobId());
                    counts.merge(result.getJobId(), 1, Integer::sum);
                }
                if (counts.size() >= JOBS && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                }
            }
        }
        return counts;
    }
}
