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
import dev.sluice.topology.stage.Emitter;
import dev.sluice.topology.stage.RetryPolicy;
import dev.sluice.topology.stage.Retrying;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stage.StageContext;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.Split;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A stage with a retry policy is tried again after a retryable error, from its retry store, while
 * the other jobs go on; the result counts the attempts.
 */
class RetryTest {

    /** The test driver's wall clock at start. */
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    /** 100 ms, then 200 ms, then 400 ms; no jitter, so the test knows when each retry is due. */
    private static final RetryPolicy THREE_TIMES = RetryPolicy.attempts(3)
            .backoff(Duration.ofMillis(100), Duration.ofSeconds(1)).jitter(0).retryOn(IOException.class);

    /** Fails the first {@code failures} attempts of each job whose document id starts with "flaky"; records each attempt. */
    private static final class Flaky implements Stage<Document, Document>, Retrying {
        final Map<String, List<Integer>> attempts = new HashMap<>();
        final int failures;
        final Exception error;

        Flaky(int failures, Exception error) {
            this.failures = failures;
            this.error = error;
        }

        @Override
        public void process(Document document, StageContext context,
                            Emitter<Document> out) throws Exception {
            attempts.computeIfAbsent(context.jobId(), k -> new ArrayList<>()).add(context.attempt());
            if (document.getId().startsWith("flaky") && context.attempt() <= failures) {
                throw error;
            }
            out.emit(Document.newBuilder(document).setText(document.getText().toUpperCase(Locale.ROOT)).build());
        }

        @Override
        public RetryPolicy retryPolicy() {
            return THREE_TIMES;
        }
    }

    private static Pipeline pipeline(Stage<Document, Document> stage) {
        return Pipeline.builder("retrying").stage("fetch", Document.class, Document.class, stage).build();
    }

    @Test
    void shouldRetryAStageThatThrowsARetryableErrorWithoutHoldingUpOtherJobs() {
        Flaky flaky = new Flaky(2, new IOException("service unavailable"));
        try (var driver = PipelineTestDriver.of(pipeline(flaky))) {
            String slow = driver.submit("flaky-1", "needs three tries");
            String fast = driver.submit("steady-1", "needs one");
            assertThat(driver.results()).extracting(Result::getJobId).containsExactly(fast);

            driver.advanceWallClock(Duration.ofMillis(100));
            assertThat(flaky.attempts.get(slow)).containsExactly(1, 2);
            assertThat(driver.results()).hasSize(1);

            driver.advanceWallClock(Duration.ofMillis(199));
            assertThat(flaky.attempts.get(slow)).as("the second retry waits 200 ms").containsExactly(1, 2);
            driver.advanceWallClock(Duration.ofMillis(1));
            var result = driver.result(slow);
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(((Document) result.getOutput()).getText()).isEqualTo("NEEDS THREE TRIES");
            assertThat(flaky.attempts.get(slow)).containsExactly(1, 2, 3);
            assertThat(result.getTrace()).singleElement().satisfies(t -> {
                assertThat(t.getStage()).isEqualTo("fetch");
                assertThat(t.getNote()).contains("attempt 1 failed (java.io.IOException: service unavailable);"
                        + " retrying in 100 ms");
            });
            assertThat(driver.deadLetters()).isEmpty();
            assertThat(flaky.attempts.get(fast)).containsExactly(1);
        }
    }

    @Test
    void shouldFailAJobWhenItsLastAttemptFailsCountingTheAttemptsAndDeadLetterItsOriginalRecord() {
        Flaky flaky = new Flaky(5, new IOException("still down"));
        try (var driver = PipelineTestDriver.of(pipeline(flaky))) {
            String id = driver.submit("flaky-2", "never works");
            driver.advanceWallClock(Duration.ofMillis(100));
            driver.advanceWallClock(Duration.ofMillis(200));
            var result = driver.result(id);
            assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(result.getError().getStage()).isEqualTo("fetch");
            assertThat(result.getError().getErrorClass()).isEqualTo(IOException.class.getName());
            assertThat(result.getError().getMessage()).isEqualTo("still down");
            assertThat(result.getError().getAttempts()).isEqualTo(3);
            assertThat(flaky.attempts.get(id)).containsExactly(1, 2, 3);

            driver.advanceWallClock(Duration.ofSeconds(5));
            assertThat(driver.results()).as("one result, and no fourth attempt").hasSize(1);
            assertThat(flaky.attempts.get(id)).hasSize(3);
            assertThat(driver.deadLetters()).singleElement().satisfies(dead -> {
                assertThat(dead.stage()).isEqualTo("fetch");
                assertThat(dead.header("__streams.errors.topic")).isEqualTo("sluice.jobs");
                assertThat(dead.header("__streams.errors.offset")).isEqualTo("0");
                Job original = driver.topics().jobs().valueSerde().deserializer().deserialize("sluice.jobs", dead.value());
                assertThat(original.getJobId()).isEqualTo(id);
            });

            String next = driver.submit("steady-2", "still fine");
            assertThat(driver.result(next).getStatus()).isEqualTo(JobStatus.COMPLETED);
        }
    }

    @Test
    void shouldFailAtOnceOnAnErrorThePolicyDoesNotRetry() {
        Flaky flaky = new Flaky(1, new IllegalArgumentException("bad document"));
        try (var driver = PipelineTestDriver.of(pipeline(flaky))) {
            var result = driver.result(driver.submit("flaky-3", "broken"));
            assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(result.getError().getAttempts()).isEqualTo(1);
            assertThat(result.getError().getErrorClass()).isEqualTo(IllegalArgumentException.class.getName());
        }
    }

    @Test
    void shouldExpireAJobWhoseDeadlineComesWhileItWaitsForARetry() {
        Flaky flaky = new Flaky(5, new IOException("down"));
        Pipeline pipeline = Pipeline.builder("retrying").stage("fetch", Document.class, Document.class, flaky)
                .retry(RetryPolicy.attempts(5).backoff(Duration.ofSeconds(10), Duration.ofSeconds(10)).jitter(0))
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            Job job = Jobs.text("late", "flaky-4", "runs out of time");
            job.setDeadline(START.plusSeconds(2));
            driver.submit(job);
            driver.advanceWallClock(Duration.ofSeconds(2));
            var result = driver.result("late");
            assertThat(result.getStatus()).as("due at its deadline, not 10 s later").isEqualTo(JobStatus.EXPIRED);
            assertThat(result.getError().getStage()).isEqualTo("fetch");
            assertThat(flaky.attempts.get("late")).containsExactly(1);
            assertThat(driver.deadLetters()).isEmpty();
        }
    }

    @Test
    void shouldRetryABatchWhoseCallFailedAsABatchOfItsOwn() {
        List<Integer> batchSizes = new ArrayList<>();
        BatchStage<Chunk, Chunk> embed = new BatchStage<>() {
            @Override
            public List<Chunk> process(List<Chunk> inputs) throws IOException {
                batchSizes.add(inputs.size());
                if (batchSizes.size() == 1) {
                    throw new IOException("embedding service busy");
                }
                return inputs.stream().map(c -> Chunk.newBuilder(c).setText(c.getText().toUpperCase(Locale.ROOT)).build())
                        .toList();
            }
        };
        Pipeline pipeline = Pipeline.builder("batched")
                .flatMap("split", Document.class, Chunk.class, new Split(6, 0))
                .batch("embed", Chunk.class, Chunk.class, embed, 3, Duration.ofSeconds(10))
                .retry(THREE_TIMES)
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String id = driver.submit("doc", "aaaa bbbb cccc");
            assertThat(batchSizes).containsExactly(3);
            assertThat(driver.results()).isEmpty();

            driver.advanceWallClock(Duration.ofMillis(100));
            var result = driver.result(id);
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(batchSizes).containsExactly(3, 3);
            assertThat(((IngestedDocument) result.getOutput()).getChunks()).extracting(Chunk::getText)
                    .containsExactly("AAAA", "BBBB", "CCCC");
            assertThat(result.getTrace()).extracting(StageTrace::getStage).containsExactly("split", "embed", "assemble");
        }
    }
}
