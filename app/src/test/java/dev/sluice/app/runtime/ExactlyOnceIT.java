package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.CommittedResults;
import dev.sluice.app.TestKafka;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.stages.BuiltinStages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
        try (TestKafka kafka = TestKafka.start()) {
            SluiceConfig config = new SluiceConfig(Map.of(
                    "topics.prefix", "eos",
                    "registry.url", "mem://exactly-once-it",
                    "kafka.bootstrap.servers", kafka.bootstrapServers()));
            assertThat(config.streamsProperties()).containsEntry("processing.guarantee", "exactly_once_v2");
            try (SluiceRunner runner = SluiceRunner.start(config, BuiltinStages.ingest(),
                    Map.of(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()))) {
                runner.awaitRunning(Duration.ofSeconds(60));
                SluiceTopics topics = SluiceTopics.create("eos", AvroSerdes.forUrl("mem://exactly-once-it"));
                produce(kafka.bootstrapServers(), topics);
                Map<String, List<Result<Object>>> results = CommittedResults.read(kafka.bootstrapServers(), topics, JOBS,
                        Duration.ofSeconds(180));

                assertThat(results).hasSize(JOBS);
                assertThat(results).allSatisfy((id, each) -> {
                    assertThat(each).as("results of %s", id).hasSize(1);
                    assertThat(each.get(0).getStatus()).isEqualTo(JobStatus.COMPLETED);
                });
                for (int i = 0; i < JOBS; i++) {
                    assertThat(results).containsKey(id(i));
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
}
