package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.Result;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.BatchStage;
import dev.sluice.topology.stage.Emitter;
import dev.sluice.topology.stage.GatherStage;
import dev.sluice.topology.stage.RetryPolicy;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stage.StageContext;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.Split;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A job that fails after its parts waited in a store (a batch's buffer, a gather's parts, a join's
 * waiting side) still sends its original record to the dead-letter topic, where {@code sluice dlq
 * replay} can take it: a batch keeps the record once per waiting job, a gather once per group.
 */
class WaitingJobDeadLetterTest {

    /** A gather that refuses every group. */
    private static final GatherStage<Chunk, IngestedDocument> WHOLE_ONLY = (parts, context) -> {
        throw new IllegalStateException("will not assemble " + parts.size() + " chunks");
    };

    @Test
    void shouldDeadLetterTheOriginalRecordOfAJobWhosePartsWaitedInAGathersStore() {
        // chunk 1 takes a slow path (a batch that lingers 5 s); the gather gives up on it after 1 s
        BatchStage<Chunk, Chunk> slow = inputs -> inputs;
        Pipeline pipeline = Pipeline.builder("gathered")
                .flatMap("split", Document.class, Chunk.class, new Split(6, 0))
                .branch("route", Chunk.class, b -> b.when("second", c -> c.getIndex() == 1, "slow").otherwise("assemble"))
                .batch("slow", Chunk.class, Chunk.class, slow, 10, Duration.ofSeconds(5))
                .gather("assemble", Chunk.class, IngestedDocument.class, WHOLE_ONLY, Duration.ofSeconds(1))
                .after("route", "slow")
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            // chunks 0 and 2 wait in the gather's store, chunk 1 in the batch's buffer
            String id = driver.submit("doc", "aaaa bbbb cccc");
            assertThat(driver.results()).isEmpty();
            // the gather calls the stage with what came, from its store alone
            driver.advanceWallClock(Duration.ofSeconds(1));

            var result = driver.result(id);
            assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(result.getError().getStage()).isEqualTo("assemble");
            assertOriginalRecordIn(driver, id, "assemble");
        }
    }

    @Test
    void shouldDeadLetterTheOriginalRecordOfAJobWhenItsLastPartCameToAGathersStoreLater() {
        // chunks 0 and 2 wait in the gather's store; chunk 1 comes 100 ms later, from the retry store
        Stage<Chunk, Chunk> stuckOnce = new Stage<>() {
            private boolean failed;

            @Override
            public void process(Chunk chunk, StageContext context,
                                Emitter<Chunk> out) throws IOException {
                if (chunk.getIndex() == 1 && !failed) {
                    failed = true;
                    throw new IOException("not yet");
                }
                out.emit(chunk);
            }
        };
        Pipeline pipeline = Pipeline.builder("gathered")
                .flatMap("split", Document.class, Chunk.class, new Split(6, 0))
                .stage("fetch", Chunk.class, Chunk.class, stuckOnce)
                .retry(RetryPolicy.attempts(2).backoff(Duration.ofMillis(100), Duration.ofMillis(100)).jitter(0)
                        .retryOn(IOException.class))
                .gather("assemble", Chunk.class, IngestedDocument.class, WHOLE_ONLY)
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String id = driver.submit("doc", "aaaa bbbb cccc");
            assertThat(driver.results()).isEmpty();
            driver.advanceWallClock(Duration.ofMillis(100));

            var result = driver.result(id);
            assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(result.getError().getStage()).isEqualTo("assemble");
            assertOriginalRecordIn(driver, id, "assemble");
        }
    }

    @Test
    void shouldDeadLetterTheOriginalRecordOfAJobWhosePartsWaitedInABatchsBuffer() {
        BatchStage<Chunk, Chunk> failing = inputs -> {
            throw new IllegalStateException("embedding service refused " + inputs.size() + " chunks");
        };
        Pipeline pipeline = Pipeline.builder("batched")
                .flatMap("split", Document.class, Chunk.class, new Split(6, 0))
                .batch("embed", Chunk.class, Chunk.class, failing, 10, Duration.ofSeconds(1))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String first = driver.submit("doc-1", "aaaa bbbb cccc");
            String second = driver.submit("doc-2", "dddd eeee");
            assertThat(driver.results()).as("five chunks wait for a batch of ten").isEmpty();
            driver.advanceWallClock(Duration.ofSeconds(1));

            assertThat(driver.result(first).getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(driver.result(second).getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(driver.deadLetters()).hasSize(2);
            assertOriginalRecordIn(driver, first, "embed");
            assertOriginalRecordIn(driver, second, "embed");
        }
    }

    @Test
    void shouldDeadLetterTheOriginalRecordOfAJobWhoseSideWaitedInAJoinsStore() {
        // the left side waits in the join's store, which keeps no record: the right side, a minute
        // later from the retry store, brings the job's original record to the pair
        Stage<Chunk, Chunk> stuckOnce = new Stage<>() {
            private boolean failed;

            @Override
            public void process(Chunk chunk, StageContext context,
                                Emitter<Chunk> out) throws IOException {
                if (!failed) {
                    failed = true;
                    throw new IOException("not yet");
                }
                out.emit(chunk);
            }
        };
        Pipeline pipeline = Pipeline.builder("joined")
                .flatMap("split", Document.class, Chunk.class, new Split(100, 0))
                .broadcast("both", Chunk.class, "left", "right")
                .stage("left", Chunk.class, Chunk.class, Stage.map(chunk -> chunk))
                .stage("right", Chunk.class, Chunk.class, stuckOnce)
                .retry(RetryPolicy.attempts(2).backoff(Duration.ofMinutes(1), Duration.ofMinutes(1)).jitter(0)
                        .retryOn(IOException.class))
                .join("pair", "left", "right", Chunk.class, Chunk.class, Chunk.class, (left, right, context) -> {
                    throw new IllegalStateException("cannot pair " + left.getIndex());
                }, Duration.ofMinutes(5))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble(),
                        Duration.ofMinutes(10))
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String id = driver.submit("doc", "one chunk");
            assertThat(driver.results()).isEmpty();
            driver.advanceWallClock(Duration.ofMinutes(1));

            var result = driver.result(id);
            assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(result.getError().getStage()).isEqualTo("pair");
            assertOriginalRecordIn(driver, id, "pair");
        }
    }

    /** The job's dead letter is its original record, with where it was read, which replay takes. */
    private static void assertOriginalRecordIn(PipelineTestDriver<?, ?> driver, String jobId, String stage) {
        List<DeadLetter> letters = driver.deadLetters().stream().filter(d -> jobId.equals(d.keyAsString())).toList();
        assertThat(letters).singleElement().satisfies(dead -> {
            assertThat(dead.stage()).isEqualTo(stage);
            assertThat(dead.header("__streams.errors.topic")).isEqualTo("sluice.jobs");
            assertThat(dead.header("__streams.errors.offset")).isNotNull();
            Job original = driver.topics().jobs().valueSerde().deserializer().deserialize("sluice.jobs", dead.value());
            assertThat(original.getJobId()).isEqualTo(jobId);
            assertThat(original.getPayload()).as("the whole job, payload and all").isNotNull();
        });
    }
}
