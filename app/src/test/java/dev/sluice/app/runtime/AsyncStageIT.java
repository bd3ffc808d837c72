package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.CommittedResults;
import dev.sluice.app.HttpUpper;
import dev.sluice.app.LoopbackService;
import dev.sluice.app.TestKafka;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.SluiceTopology;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.RetryPolicy;
import dev.sluice.topology.stage.Stage;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An asynchronous stage calling a real HTTP service on loopback, in a running pipeline under
 * exactly_once_v2 with two stream threads sharing one stage instance: calls overlap, a slow job is
 * overtaken, a service that hangs, answers garbage or refuses connections fails only its jobs, naming
 * the stage, and a service that answers 429 for seconds fails none: the stage's rate drops, as its
 * meters show, and comes back.
 */
class AsyncStageIT {

    @TempDir
    Path state;

    @Test
    void shouldCallAServiceConcurrentlyAndFailOnlyTheJobsItFails() throws Exception {
        try (TestKafka kafka = TestKafka.start(); LoopbackService service = LoopbackService.start(200)) {
            String registry = "mem://async-it";
            SluiceTopics topics = SluiceTopics.create("async", AvroSerdes.forUrl(registry));
            HttpUpper stage = new HttpUpper(Map.of("url", service.url(), "refused", "http://127.0.0.1:" + closedPort()
                    + "/upper"));
            Set<String> threads = ConcurrentHashMap.newKeySet();
            Stage<Document, Document> noting = (document, context, out) -> {
                threads.add(Thread.currentThread().getName());
                out.emit(document);
            };
            Pipeline pipeline = Pipeline.builder("calling").stage("note", Document.class, Document.class, noting)
                    .async("call", Document.class, Document.class, stage)
                    .concurrency(16).rate(50).timeout(Duration.ofSeconds(4))
                    .retry(RetryPolicy.attempts(2).backoff(Duration.ofMillis(100), Duration.ofMillis(100)))
                    .build();
            SluiceConfig config = new SluiceConfig(Map.of("topics.prefix", "async", "registry.url", registry,
                    "kafka.bootstrap.servers", kafka.bootstrapServers()));
            try (SluiceRunner runner = SluiceRunner.start(config, pipeline, Map.of(
                    StreamsConfig.STATE_DIR_CONFIG, state.toString(), StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2));
                 KafkaProducer<String, Job> producer = producer(kafka, topics)) {
                runner.awaitRunning(Duration.ofSeconds(60));
                // the second thread may join the group after the first took every task: wait for both
                Awaitility.await("both stream threads with tasks").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(100)).until(() -> runner.streams(SluiceTopology.MAIN)
                                .metadataForLocalThreads().stream().filter(t -> !t.activeTasks().isEmpty()).count() == 2);

                List<String> ids = new ArrayList<>();
                for (String odd : List.of("slow", "hang", "garbage", "refused")) {
                    ids.add(send(producer, topics, odd, odd + " service"));
                }
                for (int i = 0; i < 60; i++) {
                    ids.add(send(producer, topics, "doc-" + i, "text number " + i));
                }
                Map<String, List<Result<Object>>> results = CommittedResults.read(kafka.bootstrapServers(), topics, ids.size(),
                        Duration.ofSeconds(60));
                assertThat(results).as("one result for every job").hasSize(ids.size())
                        .allSatisfy((id, each) -> assertThat(each).hasSize(1));
                var slow = results.get("slow").get(0);
                assertThat(slow.getStatus()).isEqualTo(JobStatus.COMPLETED);
                for (int i = 0; i < 60; i++) {
                    var result = results.get("doc-" + i).get(0);
                    assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
                    assertThat(((Document) result.getOutput()).getText()).isEqualTo(("text number " + i)
                            .toUpperCase(Locale.ROOT));
                    assertThat(result.getCompletedAt()).as("sent after the slow job, done before it")
                            .isBefore(slow.getCompletedAt());
                }
                assertFailed(results.get("hang").get(0), TimeoutException.class.getName(), "within its timeout of 4000 ms");
                assertFailed(results.get("garbage").get(0), IOException.class.getName(),
                        "not an answer: <html><body>Bad gateway");
                assertFailed(results.get("refused").get(0), ConnectException.class.getName(), "");
                assertThat(service.mostAtOnce()).as("calls overlapped (50 a second, 200 ms each)").isGreaterThan(5);
                assertThat(threads).as("one stage instance, called from both stream threads")
                        .anyMatch(t -> t.contains("StreamThread-1")).anyMatch(t -> t.contains("StreamThread-2"));

                // the service says "slow down" for 3 s: no job fails, the rate drops, then comes back
                service.throttle(3_000);
                List<String> throttled = new ArrayList<>();
                for (int i = 0; i < 150; i++) {
                    throttled.add(send(producer, topics, "busy-" + i, "busy " + i));
                }
                // the rate must come down while the service says slow down (within its 3 s of 429s)
                Awaitility.await("the rate while the service said slow down").atMost(Duration.ofSeconds(3))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> gauge(runner, "sluice.stage.call.rate") <= 25);
                Map<String, List<Result<Object>>> after = CommittedResults.read(kafka.bootstrapServers(), topics,
                        ids.size() + throttled.size(), Duration.ofSeconds(90));
                for (String id : throttled) {
                    assertThat(after.get(id)).as(id).singleElement()
                            .satisfies(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.COMPLETED));
                }
                assertThat(service.throttled()).isGreaterThan(0);
                FunctionCounter told = runner.meters().find("sluice.stage.calls.throttled").tag("stage", "call")
                        .functionCounter();
                assertThat(told.count()).isGreaterThan(0);
                for (int i = 0; i < 150; i++) {
                    send(producer, topics, "after-" + i, "after " + i);
                }
                CommittedResults.read(kafka.bootstrapServers(), topics, ids.size() + 300, Duration.ofSeconds(90));
                assertThat(gauge(runner, "sluice.stage.call.rate")).as("back to its limit").isEqualTo(50);
                assertThat(gauge(runner, "sluice.stage.calls.in.flight")).isZero();
            }
        }
    }

    private static void assertFailed(Result<?> result, String errorClass, String message) {
        assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
        assertThat(result.getError().getStage()).isEqualTo("call");
        assertThat(result.getError().getErrorClass()).isEqualTo(errorClass);
        assertThat(result.getError().getMessage()).contains(message);
        assertThat(result.getError().getAttempts()).isEqualTo(2);
    }

    private static double gauge(SluiceRunner runner, String name) {
        Gauge gauge = runner.meters().find(name).tag("stage", "call").gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static KafkaProducer<String, Job> producer(TestKafka kafka, SluiceTopics topics) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                topics.jobs().keySerde().serializer(), topics.jobs().valueSerde().serializer());
    }

    private static String send(KafkaProducer<String, Job> producer, SluiceTopics topics, String id, String text)
            throws Exception {
        producer.send(new ProducerRecord<>(topics.jobs().name(), id, Jobs.text(id, id, text))).get();
        return id;
    }
}
