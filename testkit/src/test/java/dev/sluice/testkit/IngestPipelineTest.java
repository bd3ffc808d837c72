package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.schemas.StageTrace;
import dev.sluice.serdes.Result;
import dev.sluice.topology.stages.BuiltinStages;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IngestPipelineTest {

    private static final String TEXT = ("Kafka Streams carries each job through named stages.  " + "\t".repeat(2)
            + "Each stage is one processor.\n\n\n\nThe result comes out of the sink topic. ").repeat(20);

    private final PipelineTestDriver<Document, IngestedDocument> driver = PipelineTestDriver.of(BuiltinStages.ingest(),
            Document.class, IngestedDocument.class);

    @AfterEach
    void close() {
        driver.close();
    }

    @Test
    void shouldSayTheDocumentsSourceAndTypeOnceOnEitherPath() {
        for (String text : List.of(TEXT, "Long enough to take the bulk lane. ".repeat(200))) {
            Document document = Document.newBuilder().setId("doc-src").setSourceUri("file:///in/doc.md")
                    .setContentType("text/markdown").setText(text).build();
            IngestedDocument output = driver.result(driver.submit("job-" + text.length(), document)).getOutput();
            assertThat(output.getSourceUri()).isEqualTo("file:///in/doc.md");
            assertThat(output.getContentType()).isEqualTo("text/markdown");
            assertThat(output.getChunks()).isNotEmpty()
                    .allSatisfy(c -> assertThat(c.getSourceUri()).isNull())
                    .allSatisfy(c -> assertThat(c.getContentType()).isNull());
        }
        assertThat(driver.laneRecords("bulk")).hasSize(1);
    }

    @Test
    void shouldTurnADocumentIntoOrderedEmbeddedChunks() {
        String id = driver.submit("doc-1", TEXT);
        var result = driver.result(id);

        assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
        assertThat(result.getError()).isNull();
        IngestedDocument output = (IngestedDocument) result.getOutput();
        assertThat(output.getDocumentId()).isEqualTo("doc-1");
        List<Chunk> chunks = output.getChunks();
        assertThat(chunks).hasSizeGreaterThan(2);
        for (int i = 0; i < chunks.size(); i++) {
            Chunk chunk = chunks.get(i);
            assertThat(chunk.getIndex()).isEqualTo(i);
            assertThat(chunk.getText()).hasSizeLessThanOrEqualTo(BuiltinStages.DEFAULT_CHUNK_SIZE)
                    .doesNotContain("  ", "\t", "\n\n\n");
            assertThat(chunk.getEmbedding()).hasSize(BuiltinStages.DEFAULT_DIMENSION);
        }
    }

    @Test
    void shouldTraceEveryStageInOrder() {
        var result = driver.result(driver.submit("doc-1", TEXT));
        assertThat(result.getTrace()).extracting(StageTrace::getStage)
                .containsExactly("normalize", "route", "split", "embed", "keywords", "merge", "assemble");
        assertThat(result.getTrace()).allSatisfy(t -> assertThat(t.getDurationMicros()).isNotNegative());
    }

    @Test
    void shouldHonourTheJobsSplitTask() {
        Job job = Jobs.text("job-small-chunks", "doc-2", TEXT);
        job.setTasks(List.of(Jobs.task("split", "size", "100", "overlap", "0")));
        job.setAttributes(Map.of("tenant", "acme"));
        var result = driver.result(driver.submit(job));
        IngestedDocument output = (IngestedDocument) result.getOutput();
        assertThat(output.getChunks()).hasSizeGreaterThan(20)
                .allSatisfy(c -> assertThat(c.getText()).hasSizeLessThanOrEqualTo(100));
        assertThat(result.getAttributes()).containsEntry("tenant", "acme");
    }

    @Test
    void shouldProduceExactlyOneResultPerJob() {
        for (int i = 0; i < 25; i++) {
            driver.submit(Jobs.text("job-" + i, "doc-" + i, "document number " + i + " " + TEXT.substring(0, i * 10)));
        }
        assertThat(driver.results()).hasSize(25).extracting(Result::getJobId).doesNotHaveDuplicates();
        assertThat(driver.results()).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.COMPLETED));
        assertThat(driver.deadLetters()).isEmpty();
    }

    @Test
    void shouldNameEveryNodeOfTheTopology() {
        String description = driver.topology().describe().toString();
        assertThat(description).doesNotContain("KSTREAM-", "KTABLE-")
                .contains("sluice.source", "sluice.intake", "normalize", "split", "embed", "assemble",
                        "sluice.collect", "sluice.results", "sluice.dlq");
    }
}
