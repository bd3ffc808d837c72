package dev.sluice.app.runtime;

import static dev.sluice.app.Cli.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.TestKafka;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.RetryPolicy;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.Split;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice cancel} against two instances on a real broker: each instance reads the control
 * topic, so the jobs of both end CANCELLED where their parts wait, a job not cancelled completes, and
 * cancelling an id nobody knows gets a clear answer and changes nothing.
 */
class CancelIT {

    @TempDir
    Path dir;

    @Test
    void shouldCancelJobsOnEveryInstance() throws Exception {
        // three chunks per job: two reach the gather, the third waits a minute for a retry
        Stage<Chunk, Chunk> embed = (chunk, context, out) -> {
            if (chunk.getIndex() == 2) {
                throw new IOException("embedding service busy");
            }
            out.emit(chunk);
        };
        Pipeline pipeline = Pipeline.builder("waits")
                .flatMap("split", Document.class, Chunk.class, new Split(6, 0))
                .stage("embed", Chunk.class, Chunk.class, embed)
                .retry(RetryPolicy.attempts(2).backoff(Duration.ofMinutes(1), Duration.ofMinutes(1)).jitter(0))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble(), Duration.ofMinutes(5))
                .build();
        try (TestKafka kafka = TestKafka.start()) {
            String registry = "mem://cancel-it";
            SluiceConfig config = new SluiceConfig(Map.of("topics.prefix", "cancelit", "registry.url", registry,
                    "topics.partitions", "4", "kafka.bootstrap.servers", kafka.bootstrapServers()));
            Path cli = dir.resolve("cli.yaml");
            Files.writeString(cli, "topics: {prefix: cancelit}\nregistry: {url: \"" + registry + "\"}\n"
                    + "kafka: {bootstrap.servers: \"" + kafka.bootstrapServers() + "\"}\n");
            try (SluiceRunner first = SluiceRunner.start(config, pipeline,
                         Map.of(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("a").toString()));
                 SluiceRunner second = SluiceRunner.start(config, pipeline,
                         Map.of(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("b").toString()))) {
                first.awaitRunning(Duration.ofSeconds(60));
                second.awaitRunning(Duration.ofSeconds(60));
                Awaitility.await("both instances hold tasks").atMost(Duration.ofSeconds(60))
                        .until(() -> first.activeTasks() > 0 && second.activeTasks() > 0);
                SluiceTopics topics = SluiceTopics.create("cancelit", AvroSerdes.forUrl(registry));
                List<String> cancelled = new ArrayList<>();
                try (JobClient<Object, Object> client = JobClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics)) {
                    for (int i = 0; i < 8; i++) {
                        client.submitAndAck(Jobs.text("job-" + i, "doc-" + i, "aaaa bbbb cccc"));
                        cancelled.add("job-" + i);
                    }
                    client.submitAndAck(Jobs.text("short", "doc-s", "dddd"));
                    assertThat(client.await("short", Duration.ofSeconds(30)).getStatus()).isEqualTo(JobStatus.COMPLETED);

                    List<String> args = new ArrayList<>(List.of("cancel", "--config", cli.toString()));
                    args.addAll(cancelled);
                    String answer = sluice(args.toArray(String[]::new));
                    for (String id : cancelled) {
                        // where its parts were: most likely the gather, waiting for the third
                        assertThat(answer).containsPattern("job " + id + ": cancelled before stage (assemble|embed|split)");
                        var result = client.await(id, Duration.ofSeconds(10));
                        assertThat(result.getStatus()).isEqualTo(JobStatus.CANCELLED);
                    }
                    assertThat(sluice("cancel", "--config", cli.toString(), "--wait", "2s", "nobody"))
                            .contains("job nobody: no result within 2000 ms; it is unknown or ended before");
                    assertThat(sluice("cancel", "--config", cli.toString(), "--wait", "2s", "short"))
                            .contains("job short: no result within 2000 ms");
                }
            }
        }
    }
}
