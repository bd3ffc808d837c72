package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.StageTrace;
import dev.sluice.serdes.Result;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.BatchStage;
import dev.sluice.topology.stage.JoinStage;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.Split;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** A join's pairs and its edges: a side that fails, drops or never comes, and a join stage that throws. */
class JoinTest {

    private static final Duration WINDOW = Duration.ofSeconds(30);

    private static final JoinStage<Chunk, Chunk, Chunk> BOTH = (left, right, context) -> Chunk.newBuilder(left)
            .setText(left.getText() + "/" + right.getText()).build();

    private static Stage<Chunk, Chunk> upper() {
        return Stage.map(c -> Chunk.newBuilder(c).setText(c.getText().toUpperCase(Locale.ROOT)).build());
    }

    /** split by word -> broadcast to left and right -> join -> gather (which waits longer than the window). */
    private static Pipeline pipeline(Stage<Chunk, Chunk> left, Stage<Chunk, Chunk> right, JoinStage<Chunk, Chunk, Chunk> join) {
        return Pipeline.builder("joined")
                .flatMap("split", Document.class, Chunk.class, new Split(5, 0))
                .broadcast("both", Chunk.class, "left", "right")
                .stage("left", Chunk.class, Chunk.class, left)
                .stage("right", Chunk.class, Chunk.class, right)
                .join("pair", "left", "right", Chunk.class, Chunk.class, Chunk.class, join, WINDOW)
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble(), Duration.ofMinutes(10))
                .build();
    }

    private static List<String> texts(Result<?> result) {
        return ((IngestedDocument) result.getOutput()).getChunks().stream().map(Chunk::getText).toList();
    }

    @Test
    void shouldPairTheTwoSidesOfEachPartWithoutARepartition() {
        try (var driver = PipelineTestDriver.of(pipeline(upper(), Stage.map(c -> c), BOTH))) {
            var result = driver.result(driver.submit("doc", "abcd efgh"));
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(texts(result)).containsExactly("ABCD/abcd", "EFGH/efgh");
            // one sub-topology for the pipeline; the other keeps the status store, from the events topic
            assertThat(driver.topology().describe().subtopologies()).filteredOn(s -> s.nodes().stream()
                    .noneMatch(n -> n.name().equals("sluice.status"))).hasSize(1);
            assertThat(driver.topology().describe().toString()).doesNotContain("repartition")
                    .contains("pair-left", "pair-right", "pair-store");
        }
    }

    @Test
    void shouldFailTheJobWhenOneSideFailsAndNameThatSide() {
        Stage<Chunk, Chunk> broken = Stage.map(c -> {
            throw new IllegalArgumentException("no keywords in " + c.getText());
        });
        try (var driver = PipelineTestDriver.of(pipeline(upper(), broken, BOTH))) {
            var result = driver.result(driver.submit("doc", "abcd efgh"));
            assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(result.getError().getStage()).isEqualTo("right");
            assertThat(result.getError().getMessage()).startsWith("no keywords in");
            assertThat(driver.results()).hasSize(1);
            assertThat(driver.deadLetters()).singleElement().satisfies(d -> assertThat(d.stage()).isEqualTo("right"));
        }
    }

    @Test
    void shouldFailTheJobWhenTheJoinStageThrows() {
        JoinStage<Chunk, Chunk, Chunk> throwing = (left, right, context) -> {
            throw new IllegalStateException("cannot pair " + left.getText());
        };
        try (var driver = PipelineTestDriver.of(pipeline(upper(), Stage.map(c -> c), throwing))) {
            var result = driver.result(driver.submit("doc", "abcd"));
            assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(result.getError().getStage()).isEqualTo("pair");
            assertThat(result.getError().getMessage()).isEqualTo("cannot pair ABCD");
            assertThat(driver.deadLetters()).singleElement().satisfies(d -> {
                assertThat(d.stage()).isEqualTo("pair");
                assertThat(d.keyAsString()).isEqualTo(result.getJobId());
            });
        }
    }

    @Test
    void shouldDropAPartWhoseSideWasDropped() {
        Stage<Chunk, Chunk> shortOnly = Stage.filter(c -> !c.getText().startsWith("e"), "starts with e");
        try (var driver = PipelineTestDriver.of(pipeline(upper(), shortOnly, BOTH))) {
            var result = driver.result(driver.submit("doc", "abcd efgh ijkl"));
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(result.getPartial()).isFalse();
            assertThat(texts(result)).containsExactly("ABCD/abcd", "IJKL/ijkl");
        }
    }

    @Test
    void shouldEndPartialWithANoteWhenASideNeverComesAndDeadLetterItIfItComesLate() {
        // the right side goes through a batch that waits two minutes: longer than the join's window
        BatchStage<Chunk, Chunk> slow = inputs -> inputs;
        Pipeline pipeline = Pipeline.builder("joined")
                .flatMap("split", Document.class, Chunk.class, new Split(5, 0))
                .broadcast("both", Chunk.class, "left", "right")
                .stage("left", Chunk.class, Chunk.class, upper())
                .batch("right", Chunk.class, Chunk.class, slow, 1_000, Duration.ofMinutes(2))
                .join("pair", "left", "right", Chunk.class, Chunk.class, Chunk.class, BOTH, WINDOW)
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble(), Duration.ofMinutes(10))
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String id = driver.submit("doc", "abcd efgh");
            driver.advanceWallClock(WINDOW.plusSeconds(2));
            var result = driver.result(id);
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(result.getPartial()).isTrue();
            assertThat(((IngestedDocument) result.getOutput()).getChunks()).isEmpty();
            assertThat(result.getTrace()).filteredOn(t -> t.getStage().equals("pair")).extracting(StageTrace::getNote)
                    .containsOnly("no right side (right) within 30000 ms");
            assertThat(driver.deadLetters()).isEmpty();

            driver.advanceWallClock(Duration.ofMinutes(2));
            assertThat(driver.results()).as("exactly one result, however late the other side").hasSize(1);
            assertThat(driver.deadLetters()).hasSize(2).allSatisfy(d -> {
                assertThat(d.stage()).isEqualTo("pair");
                assertThat(d.header("__streams.errors.exception")).isEqualTo("LatePart");
                assertThat(d.message()).contains("arrived after join 'pair' had given up");
            });
        }
    }
}
