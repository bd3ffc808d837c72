package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.Result;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stages.BuiltinStages;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * The same job id submitted twice: the second submission is not run and gets no result of its own,
 * so the id keeps exactly one result; its record goes to the dead-letter topic as DuplicateJobId.
 */
class DuplicateJobTest {

    @Test
    void shouldRunTheFirstJobOfAnIdAndDeadLetterTheSecond() {
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            driver.submit(Jobs.text("job-1", "doc-a", "The first submission of this id."));
            driver.submit(Jobs.text("job-1", "doc-b", "A second submission under the same id."));
            driver.submit(Jobs.text("job-2", "doc-c", "Another job entirely."));

            assertThat(driver.results()).extracting(Result::getJobId).containsExactly("job-1", "job-2");
            assertThat(driver.result("job-1").getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(driver.result("job-1").getOutput().toString()).contains("doc-a").doesNotContain("doc-b");
            assertThat(driver.result("job-2").getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(driver.deadLetters()).singleElement().satisfies(dead -> {
                assertThat(dead.header("__streams.errors.exception")).isEqualTo("DuplicateJobId");
                assertThat(dead.stage()).isEqualTo("intake");
                assertThat(dead.header("sluice.job.id")).isEqualTo("job-1");
                assertThat(dead.header("__streams.errors.offset")).isEqualTo("1");
                assertThat(dead.header("__streams.errors.message"))
                        .contains("job id 'job-1' was accepted before (sluice.jobs-0@0)", "limits.duplicate.window.ms");
                assertThat(driver.topics().jobs().valueSerde().deserializer().deserialize("sluice.jobs", dead.value())
                        .getDocument().getId()).isEqualTo("doc-b");
            });
        }
    }

    @Test
    void shouldRunAnIdAgainOnceItsWindowHasPassed() {
        try (var driver = PipelineTestDriver.builder(BuiltinStages.ingest())
                .duplicateWindow(Duration.ofMinutes(10)).build()) {
            driver.submit(Jobs.text("job-1", "doc-a", "First."));
            driver.advanceWallClock(Duration.ofMinutes(9));
            driver.submit(Jobs.text("job-1", "doc-b", "Within the window."));
            assertThat(driver.results()).hasSize(1);
            assertThat(driver.deadLetters()).hasSize(1);

            driver.advanceWallClock(Duration.ofMinutes(2));
            driver.submit(Jobs.text("job-1", "doc-c", "Past the window: a new job."));
            assertThat(driver.results()).hasSize(2);
            assertThat(driver.results().get(1).getOutput().toString()).contains("doc-c");
            assertThat(driver.deadLetters()).hasSize(1);
        }
    }

    @Test
    void shouldNotTakeAJobThatCameThroughALaneForADuplicateOfItself() {
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            driver.submit(Jobs.text("long", "doc-long", "word ".repeat(700)));
            assertThat(driver.laneRecords("bulk")).containsExactly("long");
            assertThat(driver.result("long").getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(driver.deadLetters()).isEmpty();
        }
    }

    @Test
    void shouldRunAReplayedDeadLetterAgainUnderTheSameId() {
        AtomicBoolean serviceUp = new AtomicBoolean();
        Pipeline pipeline = Pipeline.builder("flaky").stage("fetch", Document.class,
                Document.class, (document, context, out) -> {
                    if (!serviceUp.get()) {
                        throw new IOException("service down");
                    }
                    out.emit(document);
                }).build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            driver.submit(Jobs.text("job-1", "doc-a", "Needs the service."));
            assertThat(driver.result("job-1").getStatus()).isEqualTo(JobStatus.FAILED);
            DeadLetter dead = driver.deadLetters().get(0);

            serviceUp.set(true);
            driver.replay(dead);
            assertThat(driver.results()).extracting(Result::getStatus)
                    .containsExactly(JobStatus.FAILED, JobStatus.COMPLETED);
            assertThat(driver.deadLetters()).as("the replay is not a duplicate").hasSize(1);

            driver.submitRaw("job-1", dead.value());
            assertThat(driver.results()).as("the same record without the replay header is").hasSize(2);
            assertThat(driver.deadLetters()).last()
                    .satisfies(d -> assertThat(d.header("__streams.errors.exception")).isEqualTo("DuplicateJobId"));
        }
    }

    @Test
    void shouldRememberAnIdOnlyOnceItsJobIsAccepted() {
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            Job wrong = Jobs.text("job-1", "doc-a", "A task that no stage reads is refused at intake.");
            wrong.setTasks(List.of(Jobs.task("translate")));
            driver.submit(wrong);
            driver.submit(Jobs.text("job-1", "doc-a", "Fixed, and submitted again under the same id."));
            assertThat(driver.results()).extracting(Result::getStatus)
                    .containsExactly(JobStatus.FAILED, JobStatus.COMPLETED);
            assertThat(driver.deadLetters()).singleElement()
                    .satisfies(dead -> assertThat(dead.header("__streams.errors.exception")).isEqualTo("InvalidJob"));
        }
    }

    @Test
    void shouldRunEverySubmissionWhenTheCheckIsOffOrTheGuaranteeIsAtLeastOnce() {
        try (var off = PipelineTestDriver.builder(BuiltinStages.ingest()).duplicateWindow(Duration.ZERO)
                .build();
             var alos = PipelineTestDriver.builder(BuiltinStages.ingest())
                     .kafka(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE).build();
             var passThrough = PipelineTestDriver.of(Pipeline.passThrough())) {
            for (PipelineTestDriver<?, ?> driver : new PipelineTestDriver[] {off, alos, passThrough}) {
                driver.submit(Jobs.text("job-1", "doc-a", "Once."));
                driver.submit(Jobs.text("job-1", "doc-a", "Twice."));
                assertThat(driver.results()).hasSize(2);
                assertThat(driver.deadLetters()).isEmpty();
            }
        }
    }
}
