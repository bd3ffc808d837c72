package dev.sluice.app.runtime;

import static dev.sluice.app.Cli.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.TestKafka;
import dev.sluice.app.cli.Main;
import dev.sluice.app.gateway.Metrics;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.stages.BuiltinStages;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice pause} and {@code sluice resume} against instances on a real broker: every instance
 * pauses, jobs wait (none is lost), an instance started while paused starts paused, and on resume
 * the waiting jobs complete; a lane pauses alone while the rest of the pipeline goes on.
 */
class PauseIT {

    private static TestKafka kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws IOException {
        kafka = TestKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    /** A deployment on the broker: its configuration, the same as a file for the CLI, and its topics. */
    private record Deployment(SluiceConfig config, Path cli, SluiceTopics topics) {
    }

    private Deployment deployment(String prefix) throws IOException {
        String registry = "mem://" + prefix;
        SluiceConfig config = new SluiceConfig(Map.of("topics.prefix", prefix, "registry.url", registry,
                "kafka.bootstrap.servers", kafka.bootstrapServers()));
        Path cli = dir.resolve(prefix + ".yaml");
        Files.writeString(cli, "topics: {prefix: " + prefix + "}\nregistry: {url: \"" + registry + "\"}\n"
                + "kafka: {bootstrap.servers: \"" + kafka.bootstrapServers() + "\"}\n");
        return new Deployment(config, cli, SluiceTopics.create(prefix, AvroSerdes.forUrl(registry)));
    }

    @Test
    void shouldPauseEveryInstanceAndResumeThem() throws Exception {
        Deployment deployment = deployment("pauseit");
        SluiceConfig config = deployment.config();
        Path cli = deployment.cli();
        SluiceTopics topics = deployment.topics();
        try (SluiceRunner first = SluiceRunner.start(config, BuiltinStages.ingest(),
                     Map.of(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("a").toString()));
             SluiceRunner second = SluiceRunner.start(config, BuiltinStages.ingest(),
                     Map.of(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("b").toString()));
             JobClient<Object, Object> client = JobClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics)) {
            first.awaitRunning(Duration.ofSeconds(60));
            second.awaitRunning(Duration.ofSeconds(60));
            assertThat(client.submit(Jobs.text("before", "doc-0", "Runs before the pause.")).get().getStatus())
                    .isEqualTo(JobStatus.COMPLETED);

            assertThat(sluice("pause", "--config", cli.toString(), "--reason", "maintenance"))
                    .contains("pause of the pipeline written to pauseit.control-0@");
            Awaitility.await("both instances paused").atMost(Duration.ofSeconds(30))
                    .until(() -> first.isPaused() && second.isPaused());
            List<CompletableFuture<Result<Object>>> waiting = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                waiting.add(client.submit(Jobs.text("during-" + i, "doc-" + i, "Submitted while paused.")));
            }
            client.flush();
            Awaitility.await("no job runs while paused").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> waiting.stream().noneMatch(CompletableFuture::isDone));

            try (SluiceRunner third = SluiceRunner.start(config, BuiltinStages.ingest(),
                    Map.of(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("c").toString()))) {
                Awaitility.await("an instance started while paused starts paused").atMost(Duration.ofSeconds(60))
                        .until(third::isPaused);

                assertThat(sluice("resume", "--config", cli.toString()))
                        .contains("resume of the pipeline written to pauseit.control-0@");
                for (CompletableFuture<Result<Object>> result : waiting) {
                    assertThat(result.get(60, TimeUnit.SECONDS).getStatus())
                            .isEqualTo(JobStatus.COMPLETED);
                }
                assertThat(first.isPaused() || second.isPaused() || third.isPaused()).isFalse();
            }
            assertThat(Main.execute("pause", "--config", cli.toString(), "--lane", "nowhere"))
                    .as("a lane the pipeline does not have").isEqualTo(Main.CONFIG_ERROR);
        }
    }

    @Test
    void shouldPauseOneLaneWhileTheRestOfThePipelineGoesOn() throws Exception {
        Deployment deployment = deployment("lanepause");
        SluiceConfig config = deployment.config();
        Path cli = deployment.cli();
        SluiceTopics topics = deployment.topics();
        // over 600 words: the built-in pipeline sends it down the bulk lane
        String longText = "A long document for the bulk lane. ".repeat(120);
        try (SluiceRunner instance = SluiceRunner.start(config, BuiltinStages.ingest(),
                     Map.of(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("lane").toString()));
             JobClient<Object, Object> client = JobClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics)) {
            instance.awaitRunning(Duration.ofSeconds(60));

            assertThat(sluice("pause", "--config", cli.toString(), "--lane", "bulk"))
                    .contains("pause of lane bulk written to lanepause.control-0@");
            Awaitility.await("the bulk lane paused").atMost(Duration.ofSeconds(30))
                    .until(() -> instance.isPaused("bulk"));
            assertThat(instance.isPaused("main")).isFalse();

            CompletableFuture<Result<Object>> bulk = client.submit(Jobs.text("long", "doc-long", longText));
            var shortResult = client.submit(Jobs.text("short", "doc-short", "A short one."))
                    .get(60, TimeUnit.SECONDS);
            assertThat(shortResult.getStatus()).as("the main part goes on").isEqualTo(JobStatus.COMPLETED);
            Awaitility.await("the long job waits in its lane").during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(5)).until(() -> !bulk.isDone());
            var metrics = Metrics.of(instance);
            Awaitility.await("the bulk lane's lag counts the job that waits").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500)).until(() -> lag(metrics, "bulk", "lanepause.jobs.bulk") >= 1);
            Awaitility.await("the main segment has no lag").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500)).until(() -> lag(metrics, "main", "lanepause.jobs") == 0);

            assertThat(sluice("resume", "--config", cli.toString(), "--lane", "bulk"))
                    .contains("resume of lane bulk written to lanepause.control-0@");
            var longResult = bulk.get(60, TimeUnit.SECONDS);
            assertThat(longResult.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(instance.isPaused("bulk")).isFalse();
            Awaitility.await("the bulk lane has caught up").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500)).until(() -> lag(metrics, "bulk", "lanepause.jobs.bulk") == 0);
        }
    }

    /** {@code sluice_lane_consumer_lag} of {@code lane} as {@code GET /metrics} shows it. */
    private static double lag(PrometheusMeterRegistry metrics, String lane, String topic) {
        Matcher value = Pattern.compile("(?m)^sluice_lane_consumer_lag\\{lane=\"" + lane
                + "\",topic=\"" + Pattern.quote(topic) + "\"} (\\S+)$").matcher(metrics.scrape());
        assertThat(value.find()).as("the lag of lane " + lane + " in the scrape").isTrue();
        return Double.parseDouble(value.group(1));
    }
}
