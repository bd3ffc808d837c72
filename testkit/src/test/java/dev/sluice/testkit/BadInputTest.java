package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.InMemorySchemaRegistry;
import dev.sluice.topology.stages.BuiltinStages;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BadInputTest {

    private final PipelineTestDriver driver = PipelineTestDriver.builder(BuiltinStages.ingest())
            .maxDocumentBytes(1_000).build();

    @AfterEach
    void close() {
        driver.close();
    }

    private void assertNextJobCompletes() {
        String next = driver.submit("next", "The next job still runs to the end.");
        assertThat(driver.result(next).getStatus()).isEqualTo(JobStatus.COMPLETED);
    }

    private static void assertFailed(JobResult result, String stage, String messagePart) {
        assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
        assertThat(result.getOutput()).isNull();
        assertThat(result.getError().getStage()).isEqualTo(stage);
        assertThat(result.getError().getMessage()).contains(messagePart);
        assertThat(result.getError().getAttempts()).isEqualTo(1);
    }

    @Test
    void shouldFailAJobWithAnEmptyDocument() {
        String id = driver.submit("empty-doc", "  \n\t ");
        assertFailed(driver.result(id), "intake", "document 'empty-doc' is empty");
        assertThat(driver.deadLetters()).singleElement().satisfies(dl -> {
            assertThat(dl.keyAsString()).isEqualTo(id);
            assertThat(dl.stage()).isEqualTo("intake");
            assertThat(dl.header("sluice.job.id")).isEqualTo(id);
            assertThat(dl.header("__streams.errors.topic")).isEqualTo("sluice.jobs");
            assertThat(dl.header("__streams.errors.offset")).isEqualTo("0");
            assertThat(driver.topics().jobs().valueSerde().deserializer().deserialize("sluice.jobs", dl.value())
                    .getJobId()).isEqualTo(id);
        });
        assertNextJobCompletes();
    }

    @Test
    void shouldFailAJobWithoutAnId() {
        Job job = Jobs.text("", "doc-1", "text");
        driver.submitRaw("the-key", driver.topics().jobs().valueSerde().serializer().serialize("sluice.jobs", job));
        assertFailed(driver.result("the-key"), "intake", "job has no id");
        assertNextJobCompletes();
    }

    @Test
    void shouldFailADocumentOverTheSizeLimit() {
        String id = driver.submit("big", "word ".repeat(300));
        assertFailed(driver.result(id), "intake", "over the size limit");
        assertThat(driver.result(id).getError().getMessage()).contains("1000 bytes", "limits.document.max.bytes");
        assertNextJobCompletes();
    }

    @Test
    void shouldCountUtf8BytesAgainstTheLimit() {
        String id = driver.submit("wide", "\u00e9".repeat(600));
        assertFailed(driver.result(id), "intake", "over the size limit");
    }

    @Test
    void shouldFailCorruptBytesAndKeepThemInTheDeadLetterTopic() {
        String first = driver.submit("first", "registers the Job schema");
        assertThat(driver.result(first).getStatus()).isEqualTo(JobStatus.COMPLETED);
        int id = InMemorySchemaRegistry.idOf(Job.getClassSchema());
        byte[] garbage = ByteBuffer.allocate(10).put((byte) 0).putInt(id)
                .put(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}).array();
        driver.submitRaw("corrupt", garbage);
        assertFailed(driver.result("corrupt"), "intake", "is not a valid Job (schema id " + id + ")");
        assertThat(driver.deadLetters()).singleElement().satisfies(dl -> {
            assertThat(dl.value()).isEqualTo(garbage);
            assertThat(dl.header("__streams.errors.exception")).contains("SerializationException");
        });
        assertNextJobCompletes();
    }

    @Test
    void shouldFailAWrongMagicByte() {
        driver.submitRaw("json", "{\"jobId\":\"json\"}".getBytes(StandardCharsets.UTF_8));
        assertFailed(driver.result("json"), "intake", "not the Confluent wire format's magic byte 0x00");
        assertNextJobCompletes();
    }

    @Test
    void shouldFailAJobWrittenWithASchemaIncompatibleWithOurs() throws Exception {
        // another team's "Job": the same name, an int id and no document, registered like any schema
        Schema theirs = new Schema.Parser().parse("""
                {"type":"record","name":"Job","namespace":"dev.sluice.schemas","fields":[
                  {"name":"jobId","type":"int"}]}""");
        // under a subject of their own: the jobs subject's rule would refuse it there, as a real registry does
        int id = driver.registry().register("someone-elses-jobs-value", theirs);
        GenericRecord record = new GenericData.Record(theirs);
        record.put("jobId", 42);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(0);
        bytes.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(theirs).write(record, encoder);
        encoder.flush();

        driver.submitRaw("foreign", bytes.toByteArray());
        assertFailed(driver.result("foreign"), "intake", "is not a valid Job (schema id " + id + ")");
        assertThat(driver.result("foreign").getError().getMessage()).contains("missing required field");
        assertThat(driver.deadLetters()).singleElement()
                .satisfies(dl -> assertThat(dl.value()).isEqualTo(bytes.toByteArray()));
        assertNextJobCompletes();
    }

    @Test
    void shouldFailAnUnknownSchemaId() {
        driver.submitRaw("unknown-id", new byte[] {0, 0, 0, 0x7f, 0x7f, 2, 'x'});
        assertFailed(driver.result("unknown-id"), "intake", "unknown schema id 32639");
        assertNextJobCompletes();
    }

    @Test
    void shouldFailANullValue() {
        driver.submitRaw("tombstone", (byte[]) null);
        assertFailed(driver.result("tombstone"), "intake", "record has no value");
        assertNextJobCompletes();
    }

    @Test
    void shouldRunAJobWhoseKeyIsNullOrNotItsIdUnderTheIdInItsValue() {
        byte[] value = driver.topics().jobs().valueSerde().serializer()
                .serialize(driver.topics().jobs().name(), Jobs.text("keyless", "doc-1", "A job sent without a key."));
        driver.submitRaw((byte[]) null, value);
        assertThat(driver.result("keyless").getStatus()).isEqualTo(JobStatus.COMPLETED);

        byte[] other = driver.topics().jobs().valueSerde().serializer()
                .serialize(driver.topics().jobs().name(), Jobs.text("real-id", "doc-2", "A job under another key."));
        driver.submitRaw(new byte[] {(byte) 0xc3, (byte) 0x28}, other); // not even valid UTF-8
        assertThat(driver.result("real-id").getStatus()).isEqualTo(JobStatus.COMPLETED);
        assertThat(driver.deadLetters()).isEmpty();
        assertNextJobCompletes();
    }

    @Test
    void shouldFailAJobWhoseResultIsTooLargeToSendAndKeepItsRecord() {
        try (PipelineTestDriver small = PipelineTestDriver.builder(BuiltinStages.ingest())
                .kafka("producer.max.request.size", 40_000).build()) {
            // 20 KB of text makes about 54 KB of result: chunks, their embeddings and keywords
            Job big = Jobs.text("big", "doc-big", "Every sentence here adds to a long result. ".repeat(470));
            small.submit(big);
            JobResult result = small.result("big");
            assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(result.getOutput()).isNull();
            assertThat(result.getError().getStage()).isEqualTo("results");
            assertThat(result.getError().getErrorClass()).endsWith("RecordTooLargeException");
            assertThat(result.getError().getMessage()).contains("too large to send", "max.request.size is 40000");
            // the record the job was last read from: here its bulk lane's, as 20 KB take that lane
            assertThat(small.laneRecords("bulk")).containsExactly("big");
            assertThat(small.deadLetters()).singleElement().satisfies(dl -> {
                assertThat(dl.keyAsString()).isEqualTo("big");
                assertThat(dl.stage()).isEqualTo("results");
                assertThat(small.topics().jobs().valueSerde().deserializer().deserialize("x", dl.value()).getJobId())
                        .isEqualTo("big");
            });
            String next = small.submit("next", "A short job still fits.");
            assertThat(small.result(next).getStatus()).isEqualTo(JobStatus.COMPLETED);
        }
    }

    @Test
    void shouldFailAJobWithATaskThatNoStageReads() {
        Job job = Jobs.text("ocr-task", "doc-1", "a scanned page");
        job.setTasks(List.of(Jobs.task("split", "size", "100"), Jobs.task("ocr", "lang", "en")));
        assertFailed(driver.result(driver.submit(job)), "intake",
                "a task of type 'ocr' that no stage of this pipeline reads; its stages read tasks of type split");
        assertThat(driver.deadLetters()).singleElement()
                .satisfies(dl -> assertThat(dl.keyAsString()).isEqualTo("ocr-task"));
        assertNextJobCompletes();
    }

    @Test
    void shouldFailABadSplitTaskNamingTheSplitStage() {
        Job job = Jobs.text("bad-task", "doc-1", "some text to split");
        job.setTasks(List.of(Jobs.task("split", "size", "ten")));
        assertFailed(driver.result(driver.submit(job)), "split", "size='ten' is not a whole number");
        assertThat(driver.result("bad-task").getError().getErrorClass())
                .isEqualTo(IllegalArgumentException.class.getName());
        assertNextJobCompletes();
    }
}
