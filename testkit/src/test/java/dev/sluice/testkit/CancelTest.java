package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.schemas.StageTrace;
import dev.sluice.serdes.Result;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.BatchStage;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.BuiltinStages;
import dev.sluice.topology.stages.Split;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A job cancelled through the control topic ends CANCELLED at the next stage it reaches, or at the
 * gather where its parts wait; no later stage runs for it, and no other job is touched.
 */
class CancelTest {

    /** Splits into 6-character chunks; a batch of two runs at once, a third waits 10 s for more. */
    private static Pipeline batched(AtomicInteger embedded) {
        BatchStage<Chunk, Chunk> embed = inputs -> {
            embedded.addAndGet(inputs.size());
            return List.copyOf(inputs);
        };
        return Pipeline.builder("batched")
                .flatMap("split", Document.class, Chunk.class, new Split(6, 0))
                .batch("embed", Chunk.class, Chunk.class, embed, 2, Duration.ofSeconds(10))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble(), Duration.ofMinutes(5))
                .build();
    }

    @Test
    void shouldEndAJobWhosePartsWaitWhenItIsCancelledAndRunNoLaterStageForIt() {
        AtomicInteger embedded = new AtomicInteger();
        try (var driver = PipelineTestDriver.of(batched(embedded))) {
            driver.submit(Jobs.text("job", "doc", "aaaa bbbb cccc"));
            assertThat(embedded).hasValue(2);
            assertThat(driver.results()).isEmpty();

            driver.cancel("job");
            driver.advanceWallClock(Duration.ofSeconds(1));
            var result = driver.result("job");
            assertThat(result.getStatus()).isEqualTo(JobStatus.CANCELLED);
            assertThat(result.getOutput()).isNull();
            assertThat(result.getError().getStage()).isEqualTo("assemble");
            assertThat(result.getError().getErrorClass()).isEqualTo("Cancelled");
            assertThat(driver.deadLetters()).as("a cancelled job's record was not at fault").isEmpty();

            // the third chunk's batch comes due: the stage does not run for it, and the gather drops it
            driver.advanceWallClock(Duration.ofSeconds(10));
            assertThat(embedded).hasValue(2);
            assertThat(driver.results()).hasSize(1);

            driver.submit(Jobs.text("next", "doc-2", "dddd eeee"));
            driver.advanceWallClock(Duration.ofSeconds(10));
            assertThat(driver.result("next").getStatus()).isEqualTo(JobStatus.COMPLETED);
        }
    }

    @Test
    void shouldCancelAJobThatArrivesAfterItsCancelAtIntake() {
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            var job = Jobs.text("early", "doc", "Submitted, then cancelled before the pipeline read it.");
            driver.cancel("early");
            // the job was submitted before the cancel; the pipeline reads it after
            job.setSubmittedAt(Instant.now().minusSeconds(1));
            driver.submit(job);
            var result = driver.result("early");
            assertThat(result.getStatus()).isEqualTo(JobStatus.CANCELLED);
            assertThat(result.getError().getStage()).isEqualTo("intake");
            assertThat(result.getTrace()).extracting(StageTrace::getNote).containsExactly("cancelled: not run");
        }
    }

    @Test
    void shouldLeaveAJobSubmittedAfterTheCancelOfItsIdAlone() {
        try (var driver = PipelineTestDriver.builder(BuiltinStages.ingest())
                .duplicateWindow(Duration.ZERO).build()) {
            driver.cancel("reused");
            var job = Jobs.text("reused", "doc", "Submitted after a cancel of an unknown id.");
            job.setSubmittedAt(Instant.now().plusSeconds(1));
            driver.submit(job);
            assertThat(driver.result("reused").getStatus()).isEqualTo(JobStatus.COMPLETED);
        }
    }

    @Test
    void shouldCancelInPassThroughMode() {
        try (var driver = PipelineTestDriver.of(Pipeline.passThrough())) {
            var job = Jobs.text("pass", "doc", "Cancelled before it was read.");
            job.setSubmittedAt(Instant.now().minusSeconds(1));
            driver.cancel("pass");
            driver.submit(job);
            assertThat(driver.result("pass").getStatus()).isEqualTo(JobStatus.CANCELLED);
            assertThat(driver.submit(Jobs.text("other", "d", "Not cancelled."))).isEqualTo("other");
            assertThat(driver.result("other").getStatus()).isEqualTo(JobStatus.COMPLETED);
        }
    }
}
