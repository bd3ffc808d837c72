package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.CommittedResults;
import dev.sluice.app.PluginJar;
import dev.sluice.app.SluiceProcess;
import dev.sluice.app.TestKafka;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SluiceTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice run --plugins DIR} in a JVM of its own, as a user runs it: the stages of a jar that is
 * on no class path (compiled by the test), one named by class and one by the type its factory
 * registers, carry jobs on a real broker; a plugins directory that is not one stops start-up.
 */
class PluginIT {

    private static final String PREFIX = "plugin-it";
    private static final String REGISTRY = "mem://plugin-it";

    @TempDir
    Path dir;

    @Test
    void shouldRunAPipelineOfStagesFromAPluginJar() throws Exception {
        Path plugins = dir.resolve("plugins");
        PluginJar.build(dir, plugins);
        try (TestKafka kafka = TestKafka.start()) {
            Path config = Files.writeString(dir.resolve("plugged.yaml"), """
                    pipeline: plugged
                    topics: {prefix: %s, partitions: 2}
                    registry: {url: "%s"}
                    stages:
                      - {name: shout, class: %s}
                      - {name: exclaim, type: %s, params: {marks: 3}}
                    kafka:
                      bootstrap.servers: %s
                      state.dir: %s
                    """.formatted(PREFIX, REGISTRY, PluginJar.SHOUT, PluginJar.EXCLAIM, kafka.bootstrapServers(),
                    dir.resolve("state")));
            try (SluiceProcess sluice = SluiceProcess.start(dir.resolve("run"), Map.of(), "run", "--plugins",
                    plugins.toString(), "--config", config.toString())) {
                sluice.awaitLog("REBALANCING -> RUNNING", Duration.ofSeconds(120));
                assertThat(sluice.err()).contains("plugins: 1 jar(s) from " + plugins + ": [example-plugin.jar]");
                SluiceTopics topics = SluiceTopics.create(PREFIX, AvroSerdes.forUrl(REGISTRY));
                CommittedResults.knowSluiceSchemas("plugin-it", topics);
                try (JobClient<Object, Object> client = JobClient.create(Map.of("bootstrap.servers", kafka.bootstrapServers()), topics)) {
                    List<CompletableFuture<Result<Object>>> results = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        results.add(client.submit(Jobs.text("plugged-" + i, "doc-" + i, "plugged in " + i)));
                    }
                    for (int i = 0; i < 10; i++) {
                        var result = results.get(i).get(90, TimeUnit.SECONDS);
                        assertThat(result.getStatus()).as(result.getJobId()).isEqualTo(JobStatus.COMPLETED);
                        assertThat(((Document) result.getOutput()).getText()).isEqualTo("PLUGGED IN " + i + "!!!");
                    }
                }
            }

            try (SluiceProcess refused = SluiceProcess.start(dir.resolve("refused"), Map.of(), "run", "--plugins",
                    dir.resolve("no-such-dir").toString(), "--config", config.toString())) {
                assertThat(refused.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(refused.process().exitValue()).as("a bad setting: exit code 2").isEqualTo(2);
                assertThat(refused.err()).contains("plugins.path").contains("is not a directory");
            }
        }
    }
}
