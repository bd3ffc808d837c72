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
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.BatchStage;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.BuiltinStages;
import dev.sluice.topology.stages.Split;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A job past its deadline ends EXPIRED where it is, and no later stage runs for it. */
class DeadlineTest {

    /** The test driver's wall clock at start. */
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private static Job withDeadline(String id, String text, Instant deadline) {
        Job job = Jobs.text(id, "doc-" + id, text);
        job.setDeadline(deadline);
        return job;
    }

    private static void assertExpiredAt(Result<?> result, String stage) {
        assertThat(result.getStatus()).isEqualTo(JobStatus.EXPIRED);
        assertThat(result.getOutput()).isNull();
        assertThat(result.getError().getStage()).isEqualTo(stage);
        assertThat(result.getError().getErrorClass()).isEqualTo("DeadlineExceeded");
        assertThat(result.getError().getMessage()).contains("before stage '" + stage + "'");
        assertThat(result.getTrace()).last().satisfies(t -> {
            assertThat(t.getStage()).isEqualTo(stage);
            assertThat(t.getNote()).isEqualTo("expired: not run");
        });
    }

    @Test
    void shouldExpireAJobWhoseDeadlinePassedBeforeItsFirstStage() {
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            driver.submit(withDeadline("late", "Arrives after its deadline.", START.minusSeconds(1)));
            var result = driver.result("late");
            assertExpiredAt(result, "normalize");
            assertThat(result.getTrace()).extracting(StageTrace::getStage).containsExactly("normalize");
            assertThat(result.getError().getMessage()).contains("passed 1000 ms");
            assertThat(driver.deadLetters()).as("an expired job's record was not at fault").isEmpty();

            driver.submit(withDeadline("in-time", "Has a minute left.", START.plusSeconds(60)));
            assertThat(driver.result("in-time").getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(driver.results()).hasSize(2);
        }
    }

    @Test
    void shouldEndAJobWhosePartsWaitInAGatherWhenItsDeadlinePassesAndRunNoLaterStageForIt() {
        // split into three chunks; a batch of two runs at once, the third waits 10 s for more
        AtomicInteger batched = new AtomicInteger();
        BatchStage<Chunk, Chunk> upper = inputs -> {
            batched.addAndGet(inputs.size());
            return inputs.stream().map(c -> Chunk.newBuilder(c).setText(c.getText().toUpperCase(Locale.ROOT)).build())
                    .toList();
        };
        Pipeline pipeline = Pipeline.builder("batched")
                .flatMap("split", Document.class, Chunk.class, new Split(6, 0))
                .batch("upper", Chunk.class, Chunk.class, upper, 2, Duration.ofSeconds(10))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble(), Duration.ofMinutes(5))
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            driver.submit(withDeadline("job", "aaaa bbbb cccc", START.plusSeconds(3)));
            assertThat(driver.results()).isEmpty();
            assertThat(batched).hasValue(2);

            driver.advanceWallClock(Duration.ofSeconds(4));
            assertExpiredAt(driver.result("job"), "assemble");

            // the third chunk's batch comes due after the deadline: the stage does not run for it,
            // and the gather drops it as it drops the parts of a failed job
            driver.advanceWallClock(Duration.ofSeconds(10));
            assertThat(batched).hasValue(2);
            assertThat(driver.results()).hasSize(1);
            assertThat(driver.deadLetters()).isEmpty();

            driver.submit(withDeadline("next", "dddd eeee", START.plusSeconds(60)));
            assertThat(driver.result("next").getStatus()).isEqualTo(JobStatus.COMPLETED);
        }
    }

    @Test
    void shouldTellAStageThatPollsThatItsJobHasExpiredByTheSystemClockAndEndTheJobExpired() {
        // the driver's clock is a minute behind the system's, so the intake takes the job (its deadline is
        // 30 s ahead of the driver) while a stage that asks the system's clock learns it is already past
        Instant now = Instant.now();
        Stage<Document, Document> patient = (document, context, out) -> {
            if (!context.isCancelled()) {
                out.emit(document);
                return;
            }
            throw new IllegalStateException("gave up: " + context.jobId() + " is past its deadline");
        };
        Pipeline pipeline = Pipeline.builder("patient").stage("wait", Document.class, Document.class, patient).build();
        try (var driver = PipelineTestDriver.builder(pipeline).startTime(now.minusSeconds(60)).build()) {
            driver.submit(withDeadline("late", "Has 30 s by the driver's clock.", now.minusSeconds(30)));
            var result = driver.result("late");
            assertThat(result.getStatus()).isEqualTo(JobStatus.EXPIRED);
            assertThat(result.getError().getStage()).isEqualTo("wait");
            assertThat(driver.deadLetters()).isEmpty();
        }
    }
}
