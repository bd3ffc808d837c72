package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.StageTrace;
import dev.sluice.serdes.Result;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.Normalize;
import dev.sluice.topology.stages.Split;
import java.util.List;
import org.junit.jupiter.api.Test;

class StageFailureTest {

    /** Fails on any chunk that mentions "poison"; passes the rest. */
    private static final Stage<Chunk, Chunk> PICKY = (chunk, context, out) -> {
        if (chunk.getText().contains("poison")) {
            throw new IllegalStateException("cannot embed chunk " + chunk.getIndex() + " of " + context.jobId());
        }
        out.emit(chunk);
    };

    private static Pipeline pipeline() {
        return Pipeline.builder("picky")
                .stage("normalize", Document.class, Document.class, new Normalize())
                .flatMap("split", Document.class, Chunk.class, new Split(20, 0))
                .stage("picky", Chunk.class, Chunk.class, PICKY)
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build();
    }

    @Test
    void shouldEmitOneFailedResultNamingTheStageWhenItThrowsOnOneChunk() {
        try (var driver = PipelineTestDriver.of(pipeline())) {
            String bad = driver.submit("doc-bad", "first chunk is fine, the poison is in the middle, and more after it");
            String good = driver.submit("doc-good", "every chunk of this document is perfectly fine to embed");

            var failed = driver.result(bad);
            assertThat(failed.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(failed.getError().getStage()).isEqualTo("picky");
            assertThat(failed.getError().getErrorClass()).isEqualTo(IllegalStateException.class.getName());
            assertThat(failed.getError().getMessage()).startsWith("cannot embed chunk").endsWith(bad);
            assertThat(failed.getTrace()).extracting(StageTrace::getStage).contains("normalize", "split", "picky")
                    .doesNotContain("assemble");

            assertThat(driver.result(good).getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(driver.results()).hasSize(2);
            assertThat(driver.deadLetters()).singleElement().satisfies(dl -> {
                assertThat(dl.stage()).isEqualTo("picky");
                assertThat(dl.keyAsString()).isEqualTo(bad);
                assertThat(((Document) driver.payloadOf(driver.topics().jobs().valueSerde().deserializer()
                        .deserialize("sluice.jobs", dl.value()))).getId()).isEqualTo("doc-bad");
            });
        }
    }

    @Test
    void shouldFailAStageThatEmitsTheWrongType() {
        @SuppressWarnings({"unchecked", "rawtypes"})
        Stage<Document, Document> liar = (Stage) (Stage<Document, Object>) (d, ctx, out) -> out.emit("a string");
        Pipeline pipeline = Pipeline.builder("liar").stage("liar", Document.class, Document.class, liar).build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            var result = driver.result(driver.submit("doc", "text"));
            assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(result.getError().getStage()).isEqualTo("liar");
            assertThat(result.getError().getMessage()).contains("java.lang.String", "Document");
        }
    }

    @Test
    void shouldFailAMapStageThatEmitsTwice() {
        Stage<Document, Document> twice = (d, ctx, out) -> {
            out.emit(d);
            out.emit(d);
        };
        Pipeline pipeline = Pipeline.builder("twice").stage("twice", Document.class, Document.class, twice).build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            var result = driver.result(driver.submit("doc", "text"));
            assertThat(result.getError().getMessage()).contains("emitted 2 outputs", "flat-map");
        }
    }

    @Test
    void shouldCompleteWithoutOutputWhenAFilterDropsTheDocument() {
        Pipeline pipeline = Pipeline.builder("filtered")
                .stage("only-long", Document.class, Document.class, Stage.filter(d -> d.getText().length() > 100))
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            var result = driver.result(driver.submit("doc", "short"));
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(result.getOutput()).isNull();
        }
    }

    @Test
    void shouldAssembleWhatIsLeftWhenAFilterDropsSomeChunks() {
        Pipeline pipeline = Pipeline.builder("drop-some")
                .flatMap("split", Document.class, Chunk.class, new Split(5, 0))
                .stage("no-odd", Chunk.class, Chunk.class, Stage.filter(c -> c.getIndex() % 2 == 0))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            var result = driver.result(driver.submit("doc", "aaaa bbbb cccc dddd eeee ffff"));
            List<Chunk> chunks = ((IngestedDocument) result.getOutput()).getChunks();
            assertThat(chunks).extracting(Chunk::getIndex).containsExactly(0, 2, 4);
        }
    }
}
