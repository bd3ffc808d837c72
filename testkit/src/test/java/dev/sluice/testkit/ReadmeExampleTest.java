package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.Embed;
import dev.sluice.topology.stages.Keywords;
import dev.sluice.topology.stages.MergeChunks;
import dev.sluice.topology.stages.Normalize;
import dev.sluice.topology.stages.Split;
import dev.sluice.topology.stages.Words;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pipeline the README shows, as it is written there. */
class ReadmeExampleTest {

    @Test
    void shouldRunThePipelineTheReadmeShows() {
        Pipeline pipeline = Pipeline.builder("my-pipeline")
                .stage("normalize", Document.class, Document.class, new Normalize())
                .branch("route", Document.class, b -> b.whenLane("long", d -> Words.count(d.getText()) > 5000, "bulk"))
                .flatMap("split", Document.class, Chunk.class, new Split(400, 50))
                .stage("drop-short", Chunk.class, Chunk.class, Stage.filter(c -> c.getText().length() > 20, "20 chars or fewer"))
                .broadcast("enrich", Chunk.class, "embed", "keywords")
                .stage("embed", Chunk.class, Chunk.class, new Embed(256))
                .stage("keywords", Chunk.class, Chunk.class, new Keywords(8))
                .join("merge", "embed", "keywords", Chunk.class, Chunk.class, Chunk.class, new MergeChunks(), Duration.ofSeconds(30))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble(), Duration.ofSeconds(30))
                .build();   // checks names, edges and their types, cycles, and that every fan-out is gathered

        try (PipelineTestDriver driver = PipelineTestDriver.of(pipeline)) {
            String id = driver.submit("doc-1", "Some text about rivers and the sea. ".repeat(30));
            JobResult result = driver.result(id);
            List<DeadLetter> dead = driver.deadLetters();
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(((IngestedDocument) result.getOutput()).getChunks()).hasSizeGreaterThan(1)
                    .allSatisfy(c -> assertThat(c.getKeywords()).contains("rivers"));
            assertThat(dead).isEmpty();
        }
    }
}
