package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.InMemorySchemaRegistry;
import dev.sluice.serdes.Result;
import dev.sluice.topology.stages.BuiltinStages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BadInputTest {

    private final PipelineTestDriver<Object, Object> driver = PipelineTestDriver.builder(BuiltinStages.ingest())
            .maxDocumentBytes(1_000).build();

    @AfterEach
    void close() {
        driver.close();
    }

    private void assertNextJobCompletes() {
        String next = driver.submit("next", "The next job still runs to the end.");
        assertThat(driver.result(next).getStatus()).isEqualTo(JobStatus.COMPLETED);
    }

    private static void assertFailed(Result<?> result, String stage, String messagePart) {
        assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
        assertThat(result.getOutput()).isNull();
        assertThat(result.getError().getStage()).isEqualTo(stage);
        assertThat(result.getError().getMessage()).contains(messagePart);
        assertThat(result.getError().getAttempts()).isEqualTo(1);
    }

    /**
     * One bad input: how it is sent (returning the key its result and dead letter carry), and the stage
     * and words its FAILED result names.
     */
    record BadInput(String what, Function<PipelineTestDriver, String> send, String stage, String message) {
        @Override
        public String toString() {
            return what;
        }
    }

    /** The catalogue of bad inputs, each of which must end FAILED with a dead letter, the next job running on. */
    static List<BadInput> catalogue() {
        return List.of(
                new BadInput("a job without an id", d -> raw(d, "the-key", Jobs.text("", "doc-1", "text")), "intake",
                        "job has no id"),
                new BadInput("a document over the size limit", d -> d.submit("big", "word ".repeat(300)), "intake",
                        "more than 1000 (limits.document.max.bytes)"),
                new BadInput("a document over the limit in UTF-8 bytes, not in characters",
                        d -> d.submit("wide", "\u00e9".repeat(600)), "intake", "over the size limit"),
                new BadInput("a wrong magic byte", d -> {
                    d.submitRaw("json", "{\"jobId\":\"json\"}".getBytes(StandardCharsets.UTF_8));
                    return "json";
                }, "intake", "not the Confluent wire format's magic byte 0x00"),
                new BadInput("an unknown schema id", d -> {
                    d.submitRaw("unknown-id", new byte[] {0, 0, 0, 0x7f, 0x7f, 2, 'x'});
                    return "unknown-id";
                }, "intake", "unknown schema id 32639"),
                new BadInput("a null value", d -> {
                    d.submitRaw("tombstone", (byte[]) null);
                    return "tombstone";
                }, "intake", "record has no value"),
                new BadInput("a body cut short", d -> {
                    byte[] whole = d.topics().jobs().valueSerde().serializer().serialize("sluice.jobs",
                            Jobs.text("cut", "doc-1", "A body that ends too soon."));
                    d.submitRaw("cut", Arrays.copyOf(whole, whole.length - 7));
                    return "cut";
                }, "intake", "is not a valid Job"),
                new BadInput("a string length past Avro's limit (found by IntakeFuzzTest)", d -> {
                    d.submit("registers", "registers the Job schema");
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    bytes.writeBytes(ByteBuffer.allocate(5).put((byte) 0).putInt(InMemorySchemaRegistry.idOf(
                            Job.getClassSchema())).array());
                    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
                    try {
                        encoder.writeLong(3_000_000_000L); // the job id's length
                        encoder.flush();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    bytes.write('x');
                    d.submitRaw("too-long", bytes.toByteArray());
                    return "too-long";
                }, "intake", "is not a valid Job"),
                new BadInput("a task that no stage of the pipeline reads", d -> {
                    Job job = Jobs.text("ocr-task", "doc-1", "a scanned page");
                    job.setTasks(List.of(Jobs.task("split", "size", "100"), Jobs.task("ocr", "lang", "en")));
                    return d.submit(job);
                }, "intake", "a task of type 'ocr' that no stage of this pipeline reads; its stages read tasks of type split"),
                new BadInput("a task its stage cannot read", d -> {
                    Job job = Jobs.text("bad-task", "doc-1", "some text to split");
                    job.setTasks(List.of(Jobs.task("split", "size", "ten")));
                    return d.submit(job);
                }, "split", "size='ten' is not a whole number"));
    }

    private static String raw(PipelineTestDriver<?, ?> driver, String key, Job job) {
        driver.submitRaw(key, driver.topics().jobs().valueSerde().serializer().serialize("sluice.jobs", job));
        return key;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void shouldEndEachBadInputFailedAtItsStageWithADeadLetterAndRunTheNextJob(BadInput bad) {
        String key = bad.send().apply(driver);
        assertFailed(driver.result(key), bad.stage(), bad.message());
        assertThat(driver.deadLetters()).singleElement().satisfies(dl -> {
            assertThat(dl.keyAsString()).isEqualTo(key);
            assertThat(dl.stage()).isEqualTo(bad.stage());
        });
        assertNextJobCompletes();
    }

    @Test
    void shouldFailAJobWithAnEmptyDocument() {
        String id = driver.submit("empty-doc", "  \n\t ");
        assertFailed(driver.result(id), "normalize", "document 'empty-doc' is empty");
        assertThat(driver.deadLetters()).singleElement().satisfies(dl -> {
            assertThat(dl.keyAsString()).isEqualTo(id);
            assertThat(dl.stage()).isEqualTo("normalize");
            assertThat(dl.header("sluice.job.id")).isEqualTo(id);
            assertThat(dl.header("__streams.errors.topic")).isEqualTo("sluice.jobs");
            assertThat(dl.header("__streams.errors.offset")).isEqualTo("0");
            assertThat(driver.topics().jobs().valueSerde().deserializer().deserialize("sluice.jobs", dl.value())
                    .getJobId()).isEqualTo(id);
        });
        assertNextJobCompletes();
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
        try (var small = PipelineTestDriver.builder(BuiltinStages.ingest())
                .kafka("producer.max.request.size", 40_000).build()) {
            // 20 KB of text makes about 54 KB of result: chunks, their embeddings and keywords
            Job big = Jobs.text("big", "doc-big", "Every sentence here adds to a long result. ".repeat(470));
            small.submit(big);
            var result = small.result("big");
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

}
