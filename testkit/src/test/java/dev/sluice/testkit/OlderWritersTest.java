package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.SchemaHistory;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.internal.WireFormat;
import dev.sluice.topology.stages.BuiltinStages;
import java.io.IOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecordBuilder;
import org.junit.jupiter.api.Test;

/** Jobs written by producers with an earlier (or a later) Job schema than Sluice's run as any other. */
class OlderWritersTest {

    private static final String TEXT = "Kafka keeps every record. Old producers still write jobs. Sluice reads them all.";

    @Test
    void shouldProcessAJobWrittenWithEveryReleasedJobSchema() throws IOException {
        List<Schema> versions = SchemaHistory.versions("Job");
        assertThat(versions).isNotEmpty();
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            for (int v = 1; v <= versions.size(); v++) {
                String jobId = "written-with-v" + v;
                driver.submitRaw(jobId, frame(driver, versions.get(v - 1), jobId));
                var result = driver.result(jobId);
                assertThat(result.getStatus()).as("job of Job v%d", v).isEqualTo(JobStatus.COMPLETED);
                assertThat(result.getOutput().toString()).contains("Old producers still write jobs");
            }
            assertThat(driver.deadLetters()).isEmpty();
        }
    }

    @Test
    void shouldProcessAJobWrittenWithALaterJobSchemaThatAddsAField() throws IOException {
        // a producer a version ahead: a field Sluice does not know, with a default, as FULL_TRANSITIVE allows
        Schema later = SchemaHistory.portable(Job.getClassSchema());
        String json = later.toString().replaceFirst("\"fields\":\\[",
                "\"fields\":[{\"name\":\"tenant\",\"type\":\"string\",\"default\":\"\"},");
        Schema withTenant = new Schema.Parser().parse(json);
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            driver.submitRaw("from-the-future", frame(driver, withTenant, "from-the-future"));
            assertThat(driver.result("from-the-future").getStatus()).isEqualTo(JobStatus.COMPLETED);
        }
    }

    /** A Job in the Confluent wire format, written with {@code writer} registered under the jobs subject. */
    static byte[] frame(PipelineTestDriver<?, ?> driver, Schema writer, String jobId) throws IOException {
        String topic = driver.topics().jobs().name();
        int id = driver.registry().register(WireFormat.subject(topic, false), writer);
        Schema documentSchema = writer.getField("document").schema();
        GenericData.Record document = new GenericRecordBuilder(documentSchema)
                .set("id", "doc-" + jobId).set("text", TEXT).build();
        GenericData.Record job = new GenericRecordBuilder(writer)
                .set("jobId", jobId).set("submittedAt", 1_767_225_600_000L).set("document", document).build();
        return PayloadTest.frame(id, writer, job);
    }
}
