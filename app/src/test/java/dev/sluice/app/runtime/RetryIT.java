package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.CommittedResults;
import dev.sluice.app.TestKafka;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.RetryPolicy;
import dev.sluice.topology.stage.Stage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job waiting for its retry is in the stage's changelogged store, not on a thread: when the
 * instance that parked it stops, a new one with an empty state directory restores the wait from
 * the changelog and runs the retry when it comes due. The test driver has no changelog to show this.
 */
class RetryIT {

    private static final AtomicBoolean SERVICE_UP = new AtomicBoolean();
    private static final List<String> ATTEMPTS = new CopyOnWriteArrayList<>();

    @TempDir
    Path first;
    @TempDir
    Path second;

    @Test
    void shouldRunARetryParkedByAStoppedInstanceOnTheNextOne() throws Exception {
        Stage<Document, Document> fetch = (document, context, out) -> {
            ATTEMPTS.add(context.jobId() + "#" + context.attempt());
            if (document.getId().startsWith("flaky") && !SERVICE_UP.get()) {
                throw new IOException("service down");
            }
            out.emit(document);
        };
        Pipeline pipeline = Pipeline.builder("retrying").stage("fetch", Document.class, Document.class, fetch)
                .retry(RetryPolicy.attempts(3).backoff(Duration.ofSeconds(4), Duration.ofSeconds(4)).jitter(0))
                .build();
        try (TestKafka kafka = TestKafka.start()) {
            String registry = "mem://retry-it";
            SluiceConfig config = new SluiceConfig(Map.of(
                    "topics.prefix", "retry",
                    "registry.url", registry,
                    "kafka.bootstrap.servers", kafka.bootstrapServers()));
            SluiceTopics topics = SluiceTopics.create("retry", AvroSerdes.forUrl(registry));
            try (SluiceRunner runner = SluiceRunner.start(config, pipeline,
                    Map.of(StreamsConfig.STATE_DIR_CONFIG, first.toString()))) {
                runner.awaitRunning(Duration.ofSeconds(60));
                submit(kafka, topics, Jobs.text("waits", "flaky-1", "needs the service"));
                submit(kafka, topics, Jobs.text("goes-on", "steady-1", "does not"));
                Map<String, List<Result<Object>>> early = CommittedResults.read(kafka.bootstrapServers(), topics, 1,
                        Duration.ofSeconds(30));
                assertThat(early).as("the job behind the waiting one is not held up").containsOnlyKeys("goes-on");
                assertThat(ATTEMPTS).contains("waits#1").doesNotContain("waits#2");
            }

            SERVICE_UP.set(true);
            try (SluiceRunner runner = SluiceRunner.start(config, pipeline,
                    Map.of(StreamsConfig.STATE_DIR_CONFIG, second.toString()))) {
                runner.awaitRunning(Duration.ofSeconds(60));
                Map<String, List<Result<Object>>> results = CommittedResults.read(kafka.bootstrapServers(), topics, 2,
                        Duration.ofSeconds(60));
                assertThat(results.get("waits")).singleElement().satisfies(result -> {
                    assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
                    assertThat(result.getTrace()).singleElement().satisfies(t -> assertThat(t.getNote())
                            .contains("attempt 1 failed (java.io.IOException: service down)"));
                });
                assertThat(results.get("goes-on")).hasSize(1);
                assertThat(ATTEMPTS).containsExactlyInAnyOrder("waits#1", "goes-on#1", "waits#2");
            }
        }
    }

    private static void submit(TestKafka kafka, SluiceTopics topics, Job job) throws Exception {
        try (KafkaProducer<String, Job> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                topics.jobs().keySerde().serializer(), topics.jobs().valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(topics.jobs().name(), job.getJobId(), job)).get();
        }
    }
}
