package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.topology.pipeline.Pipeline;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PassThroughTest {

    @Test
    void shouldCompleteEveryJobWithTheJobUnchanged() {
        try (PipelineTestDriver driver = PipelineTestDriver.of(Pipeline.passThrough())) {
            Job job = Jobs.text("job-1", "doc-1", "  text that is not normalized \t ");
            job.setAttributes(Map.of("k", "v"));
            job.setTasks(List.of(Jobs.task("split", "size", "10")));
            JobResult result = driver.result(driver.submit(job));
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(result.getOutput()).isEqualTo(job);
            assertThat(result.getTrace()).isEmpty();
        }
    }

    @Test
    void shouldCarryEvenAnEmptyDocumentSinceItChecksOnlyThePlumbing() {
        try (PipelineTestDriver driver = PipelineTestDriver.of(Pipeline.passThrough())) {
            JobResult result = driver.result(driver.submit("doc-1", ""));
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
        }
    }

    @Test
    void shouldStillFailARecordThatIsNotAJob() {
        try (PipelineTestDriver driver = PipelineTestDriver.of(Pipeline.passThrough())) {
            driver.submitRaw("job-x", new byte[] {1, 2, 3, 4, 5, 6});
            String ok = driver.submit("doc-1", "fine");
            assertThat(driver.result("job-x").getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(driver.result(ok).getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(driver.deadLetters()).hasSize(1);
        }
    }
}
