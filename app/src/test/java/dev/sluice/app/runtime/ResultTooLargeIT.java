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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A result too large to send, on a real broker under exactly_once_v2, whose producer does refuse it
 * (the test driver's does not): the job ends FAILED at stage {@code results}, the jobs around it
 * complete, and the instance keeps running. A failed send would have left the transaction unusable
 * and killed the stream thread, as it did before the collector checked the size.
 */
class ResultTooLargeIT {

    @TempDir
    Path stateDir;

    @Test
    void shouldFailTheJobInsteadOfTheStreamThreadWhenItsResultIsTooLarge() throws Exception {
        try (TestKafka kafka = TestKafka.start()) {
            String registry = "mem://result-too-large-it";
            SluiceConfig config = new SluiceConfig(Map.of(
                    "topics.prefix", "big",
                    "registry.url", registry,
                    "kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "kafka.producer.max.request.size", "40000"));
            try (SluiceRunner runner = SluiceRunner.start(config, BuiltinStages.ingest(),
                    Map.of(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()))) {
                runner.awaitRunning(Duration.ofSeconds(60));
                SluiceTopics topics = SluiceTopics.create("big", AvroSerdes.forUrl(registry));
                try (KafkaProducer<String, Job> producer = new KafkaProducer<>(
                        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                        topics.jobs().keySerde().serializer(), topics.jobs().valueSerde().serializer())) {
                    for (var job : List.of(Jobs.text("before", "doc-1", "A short job first."),
                            // 20 KB of text makes about 54 KB of result: chunks, embeddings, keywords
                            Jobs.text("big", "doc-big", "Every sentence here adds to a long result. ".repeat(470)),
                            Jobs.text("after", "doc-2", "A short job after."))) {
                        producer.send(new ProducerRecord<>(topics.jobs().name(), job.getJobId(), job)).get();
                    }
                }
                Map<String, List<Result<Object>>> results = CommittedResults.read(kafka.bootstrapServers(), topics, 3,
                        Duration.ofSeconds(60));

                assertThat(results.get("before")).singleElement()
                        .satisfies(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.COMPLETED));
                assertThat(results.get("after")).singleElement()
                        .satisfies(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.COMPLETED));
                assertThat(results.get("big")).singleElement().satisfies(r -> {
                    assertThat(r.getStatus()).isEqualTo(JobStatus.FAILED);
                    assertThat(r.getError().getStage()).isEqualTo("results");
                    assertThat(r.getError().getMessage()).contains("too large to send", "max.request.size is 40000");
                });
                assertThat(runner.state()).isEqualTo(KafkaStreams.State.RUNNING);
            }
        }
    }
}
