package dev.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.runtime.ConfigLoader;
import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.Result;
import dev.sluice.testkit.PipelineTestDriver;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.pipeline.PipelineDescription;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.Embed;
import dev.sluice.topology.stages.Keywords;
import dev.sluice.topology.stages.MergeChunks;
import dev.sluice.topology.stages.Normalize;
import dev.sluice.topology.stages.Split;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline and the test the README shows, as they are written there, and its YAML twin. */
class ReadmeExampleTest {

    private static final Path SOURCE = Path.of("src", "test", "java", "dev", "sluice", "app", "ReadmeExampleTest.java");

    // README begin
    static Pipeline pipeline() {
        return Pipeline.builder("my-pipeline")
                .stage("normalize", Document.class, Document.class, new Normalize())
                .flatMap("split", Document.class, Chunk.class, new Split(400, 50))
                .filter("drop-short", Chunk.class, c -> c.getText().length() > 20, "chars > 20")
                .broadcast("enrich", Chunk.class, "embed", "keywords")
                .stage("embed", Chunk.class, Chunk.class, new Embed(256))
                .stage("keywords", Chunk.class, Chunk.class, new Keywords(8))
                .join("merge", "embed", "keywords", Chunk.class, Chunk.class, Chunk.class, new MergeChunks(), Duration.ofSeconds(30))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble(), Duration.ofSeconds(30))
                .build();   // checks names, edges and their types, cycles, and that every fan-out is gathered
    }

    @Test
    void shouldChunkEmbedAndTagADocument() {
        try (var driver = PipelineTestDriver.of(pipeline(), Document.class, IngestedDocument.class)) {
            Result<IngestedDocument> result = driver.result(driver.submit("doc-1", "Rivers run to the sea. ".repeat(40)));
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(result.getOutput().getChunks())
                    .allSatisfy(chunk -> assertThat(chunk.getKeywords()).contains("rivers"));
        }
    }
    // README end

    @Test
    void shouldShowInTheReadmeTheCodeOfThisTest() throws IOException {
        String source = Files.readString(SOURCE, StandardCharsets.UTF_8);
        String region = source.substring(source.indexOf("// README begin\n") + "// README begin\n".length(),
                source.indexOf("    // README end"));
        String dedented = region.lines().map(line -> line.startsWith("    ") ? line.substring(4) : line)
                .collect(Collectors.joining("\n", "", "\n"));
        assertThat(ReadmeTest.block("<!-- ReadmeExampleTest holds this equal", "java")).isEqualTo(dedented);
    }

    @Test
    void shouldBuildTheSameGraphFromTheReadmesConfigurationFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("my-pipeline.yaml");
        Files.writeString(file, ReadmeTest.block("<!-- ReadmeExampleTest holds this to the graph", "yaml"));
        Pipeline fromYaml = ConfigLoader.load(file, Map.of(), Map.of()).pipeline();
        assertThat(PipelineDescription.text(fromYaml)).isEqualTo(PipelineDescription.text(pipeline()));
    }
}
