package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.StageTrace;
import dev.sluice.topology.JobState;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.BatchStage;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.BuiltinStages;
import dev.sluice.topology.stages.Split;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The status store, made from the events topic: each job's latest status, and its expiry. */
class StatusStoreTest {

    /** Split, then a batch that holds the parts for half a second. */
    private static Pipeline held() {
        BatchStage<Chunk, Chunk> upper = inputs -> inputs.stream()
                .map(c -> Chunk.newBuilder(c).setText(c.getText().toUpperCase(Locale.ROOT)).build()).toList();
        return Pipeline.builder("held")
                .flatMap("split", Document.class, Chunk.class, new Split(6, 0))
                .batch("upper", Chunk.class, Chunk.class, upper, 100, Duration.ofMillis(500))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build();
    }

    @Test
    void shouldTellAJobRunningAtItsStageThenHowItEndedWithItsTrace() {
        try (var driver = PipelineTestDriver.of(held())) {
            String id = driver.submit("doc", "aaaa bbbb cccc");
            JobState running = driver.status(id).orElseThrow();
            assertThat(running.status()).isEqualTo("RUNNING");
            assertThat(running.stage()).isEqualTo("upper");
            assertThat(running.acceptedAt()).isNotNull();
            assertThat(running.ended()).isFalse();
            assertThat(running.trace()).extracting(StageTrace::getStage).containsExactly("split", "upper");

            driver.advanceWallClock(Duration.ofSeconds(1));
            JobState done = driver.status(id).orElseThrow();
            assertThat(done.status()).isEqualTo("COMPLETED");
            assertThat(done.ended()).isTrue();
            assertThat(done.error()).isNull();
            assertThat(done.trace()).extracting(StageTrace::getStage).containsExactly("split", "upper", "assemble");
            assertThat(done.trace()).extracting(StageTrace::getStage).isEqualTo(driver.result(id).getTrace().stream()
                    .map(StageTrace::getStage).toList());
            assertThat(done.trace()).allSatisfy(t -> assertThat(t.getDurationMicros()).isNotNegative());
        }
    }

    @Test
    void shouldTellAFailedJobsStageAndError() {
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            driver.submitRaw("junk-1", "not a job".getBytes(StandardCharsets.UTF_8));
            JobState failed = driver.status("junk-1").orElseThrow();
            assertThat(failed.status()).isEqualTo("FAILED");
            assertThat(failed.stage()).isEqualTo("intake");
            assertThat(failed.error().getStage()).isEqualTo("intake");
            assertThat(failed.acceptedAt()).isNull();
            assertThat(driver.status("never-submitted")).isEmpty();
        }
    }

    @Test
    void shouldForgetAStatusOnceItsRetentionHasPassed() {
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            String id = driver.submit("doc", "kept for a day");
            assertThat(driver.status(id)).hasValueSatisfying(s -> assertThat(s.status()).isEqualTo("COMPLETED"));
            driver.advanceWallClock(Duration.ofHours(23));
            assertThat(driver.status(id)).isPresent();
            driver.advanceWallClock(Duration.ofHours(2));
            assertThat(driver.status(id)).isEmpty();
        }
    }

    @Test
    void shouldRunAJobSentAgainFromTheDeadLetterTopicAnew() {
        Pipeline failing = Pipeline.builder("failing")
                .stage("fail", Document.class, Document.class, (doc, context, out) -> {
                    if (doc.getText().contains("bad")) {
                        throw new IllegalStateException("bad document");
                    }
                    out.emit(doc);
                })
                .build();
        try (var driver = PipelineTestDriver.of(failing)) {
            String id = driver.submit("doc", "a bad one");
            assertThat(driver.status(id)).hasValueSatisfying(s -> assertThat(s.status()).isEqualTo("FAILED"));
            driver.replay(driver.deadLetters().get(0));
            List<String> types = driver.events(id).stream().map(e -> e.getType().name()).toList();
            assertThat(types).containsSubsequence("ACCEPTED", "FAILED", "ACCEPTED", "FAILED");
            JobState again = driver.status(id).orElseThrow();
            assertThat(again.status()).isEqualTo("FAILED");
            assertThat(again.updatedAt()).isAfterOrEqualTo(again.acceptedAt());
        }
    }
}
