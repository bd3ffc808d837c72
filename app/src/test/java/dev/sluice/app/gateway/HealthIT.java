package dev.sluice.app.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.app.TestKafka;
import dev.sluice.app.internal.TempDirs;
import dev.sluice.app.runtime.SluiceRunner;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.Jobs;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.pipeline.Pipeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * GET /health/ready on a real pipeline: not ready while a stream thread is stuck in a call, ready again
 * once it returns, and not ready for good once a stream thread has died.
 */
class HealthIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient http = HttpClient.newHttpClient();

    /** Holds the "hang" job's call until the test has seen the instance not ready. */
    private static final CountDownLatch RELEASE = new CountDownLatch(1);

    /** A stage that hangs on "hang" until released, and throws an Error no stage may catch on "die". */
    private static Pipeline pipeline() {
        return Pipeline.builder("health").stage("work", Document.class, Document.class, (doc, context, out) -> {
            if (doc.getText().equals("hang")) {
                RELEASE.await(60, TimeUnit.SECONDS);
            } else if (doc.getText().equals("die")) {
                throw new InternalError("the stage broke the stream thread");
            }
            out.emit(doc);
        }).build();
    }

    private static JsonNode waitForReady(Gateway gateway, Predicate<HttpResponse<String>> until, Duration within) {
        @SuppressWarnings("unchecked")
        HttpResponse<String>[] last = new HttpResponse[1];
        Awaitility.await("readiness to turn").atMost(within).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    last[0] = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                            + "/health/ready")).GET().build(), HttpResponse.BodyHandlers.ofString());
                    return until.test(last[0]);
                });
        try {
            return JSON.readTree(last[0].body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void shouldBeNotReadyWhileAThreadIsStuckAndOnceAThreadHasDied() throws Exception {
        Path dir = Files.createTempDirectory("sluice-health-it-");
        try (TestKafka kafka = TestKafka.start()) {
            SluiceConfig config = new SluiceConfig(Map.of(SluiceConfig.TOPICS_PREFIX_CONFIG, "health",
                    SluiceConfig.REGISTRY_URL_CONFIG, "mem://health-it", SluiceConfig.HEALTH_MAX_POLL_IDLE_CONFIG, 2_000,
                    SluiceConfig.KAFKA_PREFIX + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
            try (SluiceRunner runner = SluiceRunner.start(config, pipeline(), Map.of(StreamsConfig.STATE_DIR_CONFIG,
                    dir.toString()));
                 JobClient<Object, Object> client = JobClient.create(runner.clientConfig(), runner.topics());
                 Gateway gateway = Gateway.start(client, () -> runner.readiness(config.healthMaxPollIdle()), "127.0.0.1",
                         0, 64 * 1024, GatewayAccess.OPEN, null, null, null)) {
                runner.awaitRunning(Duration.ofSeconds(60));
                waitForReady(gateway, r -> r.statusCode() == 200, Duration.ofSeconds(30));
                assertThat(client.await(client.submit(Jobs.text("fine", "d", "fine")).get().getJobId(),
                        Duration.ofSeconds(30)).getStatus()).hasToString("COMPLETED");

                client.submit(Jobs.text("hang", "d", "hang"));
                JsonNode stuck = waitForReady(gateway, r -> r.statusCode() == 503, Duration.ofSeconds(30));
                assertThat(stuck.path("state").asText()).isEqualTo("RUNNING");
                assertThat(stuck.path("reason").asText()).contains("has not polled for", "health.max.poll.idle.ms");
                // the call returns, the thread polls again
                RELEASE.countDown();
                waitForReady(gateway, r -> r.statusCode() == 200, Duration.ofSeconds(30));
                assertThat(client.await("hang", Duration.ofSeconds(30)).getStatus()).hasToString("COMPLETED");

                client.submit(Jobs.text("die", "d", "die"));
                JsonNode dead = waitForReady(gateway, r -> r.statusCode() == 503
                        && !r.body().contains("has not polled"), Duration.ofSeconds(30));
                assertThat(dead.path("status").asText()).isEqualTo("DOWN");
                assertThat(dead.path("state").asText()).isIn("PENDING_ERROR", "ERROR");
                assertThat(runner.awaitStop()).isTrue();
                assertThat(waitForReady(gateway, r -> r.statusCode() == 503, Duration.ofSeconds(5)).path("state").asText())
                        .isEqualTo("ERROR");
            }
        } finally {
            TempDirs.delete(dir);
        }
    }
}
