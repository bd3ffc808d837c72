package dev.sluice.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.SluiceProcess;
import dev.sluice.app.TestKafka;
import dev.sluice.app.embedded.EmbeddedKafka;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.SluiceTopics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice run} as users start it: the packaged jar in its own JVM, configured by a file and
 * SLUICE_* environment variables, against a broker it did not start, stopped by SIGTERM.
 */
class RunCommandIT {

    private static final Path JAR = SluiceProcess.JAR;

    @TempDir
    Path dir;

    private ProcessBuilder sluice(String... args) throws IOException {
        return SluiceProcess.builder(dir, args);
    }

    @Test
    void shouldRunTheConfiguredPipelineUntilInterrupted() throws Exception {
        try (TestKafka kafka = TestKafka.start()) {
            Path config = dir.resolve("pipeline.yaml");
            Files.writeString(config, """
                    pipeline: small
                    topics: {prefix: inproc, partitions: 2}
                    registry: {url: "mem://run-it"}
                    stages:
                      - normalize
                      - {name: split, params: {size: 120, overlap: 0}}
                      - {name: embed, params: {dimension: 16}}
                      - assemble
                    kafka:
                      bootstrap.servers: %s
                      state.dir: %s
                    """.formatted(kafka.bootstrapServers(), dir.resolve("state")));
            int[] exit = {-1};
            Thread run = new Thread(() -> exit[0] = Main.execute("run", "--config", config.toString()), "sluice-run");
            run.start();
            SluiceTopics topics = SluiceTopics.create("inproc", AvroSerdes.forUrl("mem://run-it"));
            // sluice run creates the results topic; the client can start once it exists
            JobClient<Object, Object> client = Awaitility.await("results topic created by sluice run").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100)).ignoreException(IllegalStateException.class)
                    .until(() -> JobClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics),
                            Objects::nonNull);
            try (JobClient<Object, Object> jobs = client) {
                var result = jobs.submit(Jobs.text("run-1", "doc", "Words and more words. ".repeat(40)))
                        .get(60, TimeUnit.SECONDS);
                assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
                assertThat(((IngestedDocument) result.getOutput()).getChunks()).hasSizeGreaterThan(5)
                        .allSatisfy(c -> {
                            assertThat(c.getText()).hasSizeLessThanOrEqualTo(120);
                            assertThat(c.getEmbedding()).hasSize(16);
                        });
            } finally {
                run.interrupt();
                run.join(60_000);
            }
            assertThat(run.isAlive()).isFalse();
            assertThat(exit[0]).isZero();
        }
    }

    @Test
    void shouldStartFromTheEnvironmentAndStopOnSigterm() throws Exception {
        assertThat(JAR).exists();
        try (TestKafka kafka = TestKafka.start()) {
            Path config = dir.resolve("pipeline.yaml");
            Files.writeString(config, """
                    mode: passthrough
                    topics: {prefix: runit, partitions: 2}
                    kafka:
                      bootstrap.servers: overridden-by-the-environment:1
                    """);
            int httpPort = EmbeddedKafka.freePort();
            SluiceProcess sluice = SluiceProcess.start(dir, Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "SLUICE_KAFKA_STATE_DIR", dir.resolve("state").toString()), "run", "--config", config.toString(),
                    "--http", Integer.toString(httpPort), "--http-host", "127.0.0.1");
            Process process = sluice.process();
            try {
                sluice.awaitLog("passthrough REBALANCING -> RUNNING", Duration.ofSeconds(90));
                // the gateway sluice run serves with --http
                HttpClient http = HttpClient.newHttpClient();
                String base = "http://127.0.0.1:" + httpPort;
                Awaitility.await("ready").atMost(Duration.ofSeconds(30)).until(() -> http.send(
                        HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
                var answer = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/jobs?wait=60s"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"jobId\": \"over-http\", \"document\": {\"text\": \"hello\"}}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                assertThat(answer.body()).contains("\"status\":\"COMPLETED\"");
            } finally {
                process.destroy();
            }
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("sluice run stops on SIGTERM").isTrue();
            String err = Files.readString(dir.resolve("err.log"), StandardCharsets.UTF_8);
            assertThat(err).contains("created topic runit.jobs", "application.id runit-passthrough",
                    kafka.bootstrapServers(), "stopping", "pipeline stopped (NOT_RUNNING)");
        }
    }

    @Test
    void shouldFailAtStartUpNamingTheBadKey() throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "kafka: {bootstrap.servers: 'localhost:1'}\n");
        ProcessBuilder builder = sluice("run", "--config", config.toString());
        builder.environment().put("SLUICE_LIMITS_DOCUMENT_MAX_BYTES", "zero");
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("err.log"), StandardCharsets.UTF_8))
                .contains("configuration error", "limits.document.max.bytes", "zero");
    }
}
