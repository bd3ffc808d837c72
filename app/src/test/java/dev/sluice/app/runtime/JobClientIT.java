package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.app.CommittedResults;
import dev.sluice.app.TestKafka;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.pipeline.Pipeline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job client against a real broker and a running pass-through pipeline. */
class JobClientIT {

    private static final String REGISTRY = "mem://job-client-it";

    @TempDir
    static Path stateDir;

    private static TestKafka kafka;
    private static SluiceRunner runner;
    private static SluiceTopics topics;

    @BeforeAll
    static void start() throws Exception {
        kafka = TestKafka.start();
        SluiceConfig config = new SluiceConfig(Map.of("mode", "passthrough", "topics.prefix", "client",
                "registry.url", REGISTRY, "kafka.bootstrap.servers", kafka.bootstrapServers()));
        runner = SluiceRunner.start(config, Pipeline.passThrough(),
                Map.of(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()));
        runner.awaitRunning(Duration.ofSeconds(60));
        topics = SluiceTopics.create("client", AvroSerdes.forUrl(REGISTRY));
    }

    @AfterAll
    static void stop() {
        runner.close();
        kafka.close();
    }

    private static JobClient<Object, Object> client() {
        return JobClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics);
    }

    @Test
    void shouldMakeASubmitterWaitWhileItsJobsInFlightAreAtTheBound() throws Exception {
        try (JobClient<Object, Object> client = JobClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics, 16, 3,
                Duration.ofSeconds(1))) {
            client.pause(null, "backpressure test");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(runner::isPaused);
            var first = client.submitAll(List.of(Jobs.text("bp-1", "d", "one"), Jobs.text("bp-2", "d", "two"),
                    Jobs.text("bp-3", "d", "three")));
            assertThat(client.inFlight()).isEqualTo(3);

            long t0 = System.nanoTime();
            var refused = client.submit(Jobs.text("bp-4", "d", "four"));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
            assertThat(refused).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                    .withMessageContaining("3 jobs of this client have had no result for 1 s");

            client.resume(null, "backpressure test over");
            for (var result : first) {
                assertThat(result.get(60, TimeUnit.SECONDS).getStatus()).isEqualTo(JobStatus.COMPLETED);
            }
            assertThat(client.submit(Jobs.text("bp-4", "d", "four")).get(60, TimeUnit.SECONDS).getStatus())
                    .isEqualTo(JobStatus.COMPLETED);
            // a slot is given back as the result's future completes, on the reader's thread
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> client.inFlight() == 0);
        } finally {
            try (JobClient<Object, Object> client = client()) {
                client.resume(null, "backpressure test cleanup");
            }
        }
    }

    @Test
    void shouldHandBackAResultThatArrivedBeforeAwaitWasCalled() throws Exception {
        try (JobClient<Object, Object> client = client()) {
            Job job = Jobs.text("early-bird", "doc", "text");
            var first = client.submit(job).get(30, TimeUnit.SECONDS);
            // the result is in; awaiting it now must not wait for another one
            assertThat(client.await("early-bird", Duration.ofSeconds(5))).isEqualTo(first);
            assertThat(client.await("early-bird", Duration.ofSeconds(5))).isEqualTo(first);
            assertThat(first.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(first.getOutput()).as("a job written before payloads: its document").isEqualTo(job.getDocument());
        }
    }

    @Test
    void shouldSubmitTypedPayloadsAndHandBackTypedOutputs() throws Exception {
        try (JobClient<Document, Document> client = JobClient.create(Map.of("bootstrap.servers",
                kafka.bootstrapServers()), topics, PayloadType.of(Document.class), PayloadType.of(Document.class))) {
            Document document = Document.newBuilder().setId("typed").setText("a payload of the client's type").build();
            Result<Document> result = client.submit("typed-1", document).get(30, TimeUnit.SECONDS);
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            Document output = result.getOutput();
            assertThat(output).isEqualTo(document);
            assertThat(result.record().getPayload()).as("the payload, in the wire format of Document's schema").isNotNull();
            Job job = client.job("typed-2", document);
            job.setAttributes(Map.of("tenant", "a"));
            Result<Document> withAttributes = client.submit(job).get(30, TimeUnit.SECONDS);
            assertThat(withAttributes.getAttributes()).containsEntry("tenant", "a");
            assertThat(withAttributes.getOutput().getText()).isEqualTo("a payload of the client's type");
        }
    }

    @Test
    void shouldHandAFollowerEveryEventOfAJobInOrderAndThenStop() throws Exception {
        try (JobClient<Object, Object> client = client()) {
            List<JobEvent> seen = new CopyOnWriteArrayList<>();
            AutoCloseable following = client.events("followed", seen::add);
            List<JobEvent> other = new CopyOnWriteArrayList<>();
            client.events("someone-else", other::add);
            client.submit(Jobs.text("followed", "doc", "text")).get(30, TimeUnit.SECONDS);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 2);
            // pass-through: accepted, then completed; nothing of other jobs
            assertThat(seen).extracting(e -> e.getType().name()).containsExactly("ACCEPTED", "COMPLETED");
            assertThat(seen).allSatisfy(e -> assertThat(e.getJobId()).isEqualTo("followed"));
            assertThat(other).isEmpty();

            following.close();
            following.close();
            // a second follower sees the job run again to its end; the first, stopped, sees none of it
            List<JobEvent> later = new CopyOnWriteArrayList<>();
            client.events("followed", later::add);
            client.submit(Jobs.text("followed", "doc", "again")).get(30, TimeUnit.SECONDS);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> later.size() >= 2);
            assertThat(seen).hasSize(2);
        }
    }

    @Test
    void shouldSeeTheResultOfAJobSubmittedByAnotherProducer() throws Exception {
        try (JobClient<Object, Object> client = client();
             KafkaProducer<String, Job> producer = new KafkaProducer<>(
                     Map.of("bootstrap.servers", kafka.bootstrapServers()),
                     topics.jobs().keySerde().serializer(), topics.jobs().valueSerde().serializer())) {
            var result = client.result("from-elsewhere");
            producer.send(new ProducerRecord<>(topics.jobs().name(), "from-elsewhere",
                    Jobs.text("from-elsewhere", "doc", "text"))).get();
            assertThat(result.get(30, TimeUnit.SECONDS).getJobId()).isEqualTo("from-elsewhere");
        }
    }

    @Test
    void shouldSubmitManyAndGetEachResultOnce() throws Exception {
        try (JobClient<Object, Object> client = client()) {
            var futures = new ArrayList<CompletableFuture<Result<Object>>>();
            for (int i = 0; i < 500; i++) {
                futures.add(client.submit(Jobs.text("many-" + i, "doc-" + i, "text " + i)));
            }
            for (int i = 0; i < 500; i++) {
                assertThat(futures.get(i).get(60, TimeUnit.SECONDS).getJobId()).isEqualTo("many-" + i);
            }
        }
        // a future completes once, so it cannot see a second result: count what a read_committed consumer finds
        Map<String, List<Result<Object>>> committed = CommittedResults.read(kafka.bootstrapServers(), topics, 500,
                Duration.ofSeconds(60));
        Map<String, Integer> perJob = new HashMap<>();
        committed.forEach((id, results) -> {
            if (id.startsWith("many-")) {
                perJob.put(id, results.size());
            }
        });
        assertThat(perJob).hasSize(500);
        assertThat(perJob.values()).as("results per job").containsOnly(1);
    }

    @Test
    void shouldKeepNoResultForALaterAwaitWhenAskedToKeepNone() throws Exception {
        try (JobClient<Object, Object> client = JobClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics, 0)) {
            assertThat(client.submit(Jobs.text("kept-none", "doc", "text")).get(30, TimeUnit.SECONDS).getStatus())
                    .isEqualTo(JobStatus.COMPLETED);
            // the results are read in order on one thread: once the second is in, the first is let go
            client.submit(Jobs.text("kept-none-2", "doc", "text")).get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> client.await("kept-none", Duration.ofMillis(300)))
                    .isInstanceOf(TimeoutException.class);
        }
        assertThatThrownBy(() -> JobClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }

    @Test
    void shouldTimeOutWhenNoResultComes() {
        try (JobClient<Object, Object> client = client()) {
            assertThatThrownBy(() -> client.await("never-submitted", Duration.ofMillis(300)))
                    .isInstanceOf(TimeoutException.class);
            assertThat(client.awaitedJobs()).as("jobs awaited after the wait gave up").isZero();
        }
    }

    @Test
    void shouldAwaitAJobUntilItsLastCallerStops() throws Exception {
        try (JobClient<Object, Object> client = client(); JobClient<Object, Object> other = client()) {
            var first = client.result("awaited-twice");
            var second = client.result("awaited-twice");
            var never = client.result("never-coming");
            assertThat(client.awaitedJobs()).isEqualTo(2);
            never.cancel(false);
            first.cancel(false);
            assertThat(client.awaitedJobs()).as("second still awaits awaited-twice").isEqualTo(1);

            other.submit(Jobs.text("awaited-twice", "doc", "text")).get(30, TimeUnit.SECONDS);
            assertThat(second.get(30, TimeUnit.SECONDS).getJobId()).isEqualTo("awaited-twice");
            assertThat(first).isCancelled();
            assertThat(client.awaitedJobs()).isZero();
            // the result is kept for a later caller, who gets a future of its own
            assertThat(client.result("awaited-twice")).isCompletedWithValueMatching(r -> r.getJobId().equals("awaited-twice"));
        }
    }

    @Test
    void shouldRefuseWorkOnceClosed() {
        JobClient<Object, Object> client = client();
        var pending = client.result("pending-at-close");
        client.close();
        assertThat(pending).isCompletedExceptionally();
        assertThatThrownBy(() -> client.submit(Jobs.text("late", "doc", "text")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
