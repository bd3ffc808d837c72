package dev.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.cli.Main;
import dev.sluice.app.runtime.ConfigLoader;
import dev.sluice.topology.pipeline.PipelineDescription;
import dev.sluice.topology.stages.BuiltinStages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The YAML pipelines in examples/ and the README's picture say what the code does. */
class ExamplesTest {

    private static final Path INGEST = Path.of("..", "examples", "ingest.yaml");
    private static final Path PASS_THROUGH = Path.of("..", "examples", "passthrough.yaml");
    private static final String MARKER = "<!-- sluice describe --config examples/ingest.yaml --format mermaid -->";

    @Test
    void shouldDescribeTheSamePipelineInYamlAsTheJavaBuilder() throws IOException {
        ConfigLoader.Loaded fromYaml = ConfigLoader.load(INGEST, Map.of(), Map.of());
        assertThat(PipelineDescription.text(fromYaml.pipeline()))
                .isEqualTo(PipelineDescription.text(BuiltinStages.ingest()));
        assertThat(PipelineDescription.text(ConfigLoader.load(null, Map.of(), Map.of()).pipeline()))
                .isEqualTo(PipelineDescription.text(BuiltinStages.ingest()));
    }

    @Test
    void shouldReadThePassThroughExample() throws IOException {
        assertThat(ConfigLoader.load(PASS_THROUGH, Map.of(), Map.of()).pipeline().isPassThrough()).isTrue();
    }

    @Test
    void shouldShowInTheReadmeWhatDescribePrints() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int at = readme.indexOf(MARKER);
        assertThat(at).as("README has the generated picture marker").isNotNegative();
        int start = readme.indexOf("```mermaid\n", at) + "```mermaid\n".length();
        int end = readme.indexOf("```", start);
        String inReadme = readme.substring(start, end);

        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.execute("describe", "--config", INGEST.toString(), "--format", "mermaid")).isZero();
        } finally {
            System.setOut(original);
        }
        assertThat(inReadme).as("the README's picture; regenerate it with the command in the marker")
                .isEqualTo(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldDescribeAsTextAndDot() {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.execute("describe", "--format", "text")).isZero();
            assertThat(Main.execute("describe", "--config", PASS_THROUGH.toString(), "--format", "dot")).isZero();
        } finally {
            System.setOut(original);
        }
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("pipeline ingest", "lane bulk  sluice.jobs.bulk", "assemble-parts", "merge-store")
                .contains("digraph \"passthrough\"", "jobs -> results [label=\"pass-through\"]");
    }
}
