package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.Result;
import dev.sluice.topology.pipeline.Pipeline;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PassThroughTest {

    @Test
    void shouldCompleteEveryJobWithTheJobUnchanged() {
        try (var driver = PipelineTestDriver.of(Pipeline.passThrough())) {
            Job job = Jobs.text("job-1", "doc-1", "  text that is not normalized \t ");
            job.setAttributes(Map.of("k", "v"));
            job.setTasks(List.of(Jobs.task("split", "size", "10")));
            var result = driver.result(driver.submit(job));
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(result.getOutput()).as("a job written before payloads: its document").isEqualTo(job.getDocument());
            assertThat(result.getTrace()).isEmpty();
            Document document = Document.newBuilder().setId("doc-2").setText("  as it came \t ").build();
            var copied = driver.result(driver.submit("job-2", document));
            assertThat(copied.getOutput()).isEqualTo(document);
            byte[] written = driver.topics().payloadSerde(PayloadType.of(Document.class)).serializer()
                    .serialize("sluice.jobs", document);
            assertThat(copied.record().getPayload()).as("the payload's bytes, copied").isEqualTo(ByteBuffer.wrap(written));
        }
    }

    @Test
    void shouldCarryEvenAnEmptyDocumentSinceItChecksOnlyThePlumbing() {
        try (var driver = PipelineTestDriver.of(Pipeline.passThrough())) {
            var result = driver.result(driver.submit("doc-1", ""));
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
        }
    }

    @Test
    void shouldStillFailARecordThatIsNotAJob() {
        try (var driver = PipelineTestDriver.of(Pipeline.passThrough())) {
            driver.submitRaw("job-x", new byte[] {1, 2, 3, 4, 5, 6});
            String ok = driver.submit("doc-1", "fine");
            assertThat(driver.result("job-x").getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(driver.result(ok).getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(driver.deadLetters()).hasSize(1);
        }
    }
}
