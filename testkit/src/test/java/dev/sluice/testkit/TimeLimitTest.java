package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.Result;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.RetryPolicy;
import dev.sluice.topology.stage.Stage;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A stage that hangs past its time limit fails its job, and only its job: the call is interrupted,
 * the job ends FAILED with a TimeoutException, and the next job runs.
 */
class TimeLimitTest {

    /** Hangs on documents whose id starts with "hang" until interrupted (or, if stubborn, for good). */
    private static Stage<Document, Document> hanging(boolean stubborn, CountDownLatch interrupted) {
        return (document, context, out) -> {
            if (document.getId().startsWith("hang")) {
                CountDownLatch never = new CountDownLatch(1);
                while (true) {
                    try {
                        never.await();
                    } catch (InterruptedException e) {
                        interrupted.countDown();
                        if (!stubborn) {
                            throw e;
                        }
                    }
                }
            }
            context.note("took no time");
            out.emit(document);
        };
    }

    @Test
    void shouldFailAJobWhoseStageHangsPastItsTimeLimitAndRunTheNext() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        Pipeline pipeline = Pipeline.builder("hangs").stage("fetch", Document.class, Document.class,
                hanging(false, interrupted)).timeLimit(Duration.ofMillis(200)).build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            long t0 = System.nanoTime();
            driver.submit(Jobs.text("stuck", "hang-1", "never done"));
            long waitedMillis = (System.nanoTime() - t0) / 1_000_000;
            driver.submit(Jobs.text("fine", "doc-1", "done at once"));

            var stuck = driver.result("stuck");
            assertThat(stuck.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(stuck.getError().getStage()).isEqualTo("fetch");
            assertThat(stuck.getError().getErrorClass()).isEqualTo(TimeoutException.class.getName());
            assertThat(stuck.getError().getMessage())
                    .isEqualTo("stage 'fetch' did not finish within its time limit of 200 ms; the call was interrupted");
            assertThat(waitedMillis).as("the stream thread waited for the limit, not for ever").isGreaterThanOrEqualTo(200);
            assertThat(driver.deadLetters()).singleElement()
                    .satisfies(dead -> assertThat(dead.header("sluice.job.id")).isEqualTo("stuck"));

            var fine = driver.result("fine");
            assertThat(fine.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(fine.getTrace().get(0).getNote()).as("a limited call's note still reaches the trace")
                    .isEqualTo("took no time");
            assertThat(interrupted.await(5, TimeUnit.SECONDS)).as("the hanging call was interrupted").isTrue();
        }
    }

    @Test
    void shouldLeaveBehindACallThatIgnoresTheInterruptAndRetryATimeoutAsThePolicySays() {
        CountDownLatch interrupted = new CountDownLatch(1);
        Pipeline pipeline = Pipeline.builder("hangs").stage("fetch", Document.class, Document.class,
                        hanging(true, interrupted))
                .timeLimit(Duration.ofMillis(100))
                .retry(RetryPolicy.attempts(2).backoff(Duration.ofMillis(50), Duration.ofMillis(50)).jitter(0)
                        .retryOn(TimeoutException.class))
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            driver.submit(Jobs.text("stuck", "hang-2", "never done"));
            driver.submit(Jobs.text("fine", "doc-2", "done at once"));
            assertThat(driver.result("fine").getStatus()).isEqualTo(JobStatus.COMPLETED);

            driver.advanceWallClock(Duration.ofMillis(50));
            var stuck = driver.result("stuck");
            assertThat(stuck.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(stuck.getError().getAttempts()).isEqualTo(2);
            assertThat(stuck.getError().getErrorClass()).isEqualTo(TimeoutException.class.getName());
        }
    }
}
