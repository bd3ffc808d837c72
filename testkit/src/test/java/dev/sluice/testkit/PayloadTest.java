package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.schemas.SchemaHistory;
import dev.sluice.schemas.Task;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.internal.WireFormat;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stages.BuiltinStages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * Jobs carry a payload of the pipeline's own input type, and results an output of its own output type,
 * each in the wire format of its own schema; what does not fit fails at intake and loses nothing.
 */
class PayloadTest {

    /** A pipeline of types that are not documents: a Task in, a Chunk out. */
    private static Pipeline tasks() {
        return Pipeline.builder("tasks")
                .stage("describe", Task.class, Chunk.class, Stage.map(task -> Chunk.newBuilder()
                        .setDocumentId(task.getType()).setIndex(task.getParams().size()).setStart(0).setEnd(0)
                        .setText(task.getType() + " " + task.getParams()).build()))
                .build();
    }

    @Test
    void shouldCarryTheUsersOwnTypesInAndOut() {
        Pipeline pipeline = tasks();
        assertThat(pipeline.input()).isEqualTo(PayloadType.of(Task.class));
        assertThat(pipeline.output()).isEqualTo(PayloadType.of(Chunk.class));
        try (var driver = PipelineTestDriver.of(pipeline, Task.class, Chunk.class)) {
            String id = driver.submit("job-1", Jobs.task("translate", "to", "fr"));
            Result<Chunk> result = driver.result(id);
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            Chunk chunk = result.getOutput();
            assertThat(chunk.getText()).isEqualTo("translate {to=fr}");
            assertThat(result.record().getOutput()).as("the field of results before payloads").isNull();
            assertThat(WireFormat.schemaId(bytes(result.record().getPayload())))
                    .isEqualTo(driver.registry().register(WireFormat.payloadSubject("sluice.results"),
                            Chunk.getClassSchema()));
        }
    }

    @Test
    void shouldFailAtIntakeAPayloadOfAnotherTypeAndRunTheNextJob() {
        try (var driver = PipelineTestDriver.of(tasks(), Task.class, Chunk.class)) {
            byte[] document = driver.topics().payloadSerde(PayloadType.of(Document.class)).serializer()
                    .serialize("documents.jobs", Document.newBuilder().setId("d").setText("not a task").build());
            driver.submit(Jobs.withPayload("wrong-type", document));
            assertFailedAtIntake(driver, "wrong-type", "is a dev.sluice.schemas.Document, not a dev.sluice.schemas.Task");
            assertNextJobCompletes(driver);
        }
    }

    @Test
    void shouldFailAtIntakeAPayloadWhoseSchemaIdTheRegistryDoesNotKnow() {
        try (var driver = PipelineTestDriver.of(tasks(), Task.class, Chunk.class)) {
            driver.submit(Jobs.withPayload("unknown-id", new byte[] {0, 0x12, 0x34, 0x56, 0x78, 2, 'x'}));
            assertFailedAtIntake(driver, "unknown-id", "unknown schema id " + 0x12345678);
            driver.submit(Jobs.withPayload("no-wire-format", new byte[] {'{', '}'}));
            assertFailedAtIntake(driver, "no-wire-format", "too short for the Confluent wire format");
            assertNextJobCompletes(driver);
        }
    }

    @Test
    void shouldFailAtIntakeAJobWrittenBeforePayloadsWhenTheInputIsNotADocument() {
        try (var driver = PipelineTestDriver.of(tasks(), Task.class, Chunk.class)) {
            driver.submit(Jobs.text("old-job", "doc", "a job of Job v1, with a document"));
            var result = driver.result("old-job");
            assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(result.getError().getErrorClass()).isEqualTo("MissingPayload");
            assertThat(result.getError().getMessage()).contains("this pipeline's input is dev.sluice.schemas.Task");
            assertThat(driver.deadLetters()).singleElement().satisfies(dead -> assertThat(dead.keyAsString())
                    .isEqualTo("old-job"));
            assertNextJobCompletes(driver);
        }
    }

    @Test
    void shouldReadAPayloadWrittenWithEveryReleasedDocumentSchema() throws IOException {
        List<Schema> versions = SchemaHistory.versions("Document");
        assertThat(versions).hasSizeGreaterThan(1);
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            for (int v = 1; v <= versions.size(); v++) {
                Schema writer = versions.get(v - 1);
                int schemaId = driver.registry().register(WireFormat.payloadSubject("sluice.jobs"), writer);
                GenericData.Record document = new GenericRecordBuilder(writer).set("id", "doc-v" + v)
                        .set("text", "Written with Document v" + v + ", read by the current one. ".repeat(5)).build();
                String id = driver.submit(Jobs.withPayload("document-v" + v, frame(schemaId, writer, document)));
                var result = driver.result(id);
                assertThat(result.getStatus()).as("Document v%d", v).isEqualTo(JobStatus.COMPLETED);
                assertThat(result.getOutput().toString()).contains("Written with Document v" + v);
            }
            assertThat(driver.deadLetters()).isEmpty();
        }
    }

    @Test
    void shouldCarryABinaryDocumentAsItCame() {
        Pipeline identity = Pipeline.builder("identity")
                .stage("same", Document.class, Document.class, Stage.map(document -> document)).build();
        try (var driver = PipelineTestDriver.of(identity, Document.class, Document.class)) {
            byte[] pdf = {'%', 'P', 'D', 'F', '-', '1', '.', '7', 0, (byte) 0xff};
            Document binary = Document.newBuilder().setId("report.pdf").setContentType("application/pdf")
                    .setContent(java.nio.ByteBuffer.wrap(pdf)).build();
            Document out = driver.result(driver.submit("binary", binary)).getOutput();
            assertThat(bytes(out.getContent())).isEqualTo(pdf);
            assertThat(out.getText()).isEmpty();
            assertThat(out.getContentType()).isEqualTo("application/pdf");
        }
    }

    @Test
    void shouldCarryGenericRecordsOfASchemaFileThroughAFanOutAndAStore() {
        Schema order = SchemaBuilder.record("Order").namespace("com.example.shop").fields()
                .requiredString("id").name("lines").type().array().items().stringType().noDefault().endRecord();
        Schema line = SchemaBuilder.record("Line").namespace("com.example.shop").fields()
                .requiredString("order").requiredString("item").endRecord();
        Schema summary = SchemaBuilder.record("Summary").namespace("com.example.shop").fields()
                .requiredString("order").requiredInt("lines").requiredString("items").endRecord();
        Pipeline shop = Pipeline.builder("shop").input(PayloadType.generic(order)).output(PayloadType.generic(summary))
                .flatMap("lines", GenericRecord.class, GenericRecord.class, (o, context, out) -> {
                    for (Object item : (List<?>) o.get("lines")) {
                        out.emit(new GenericRecordBuilder(line).set("order", o.get("id").toString())
                                .set("item", item.toString()).build());
                    }
                })
                .gather("summarize", GenericRecord.class, GenericRecord.class, (lines, context) ->
                        new GenericRecordBuilder(summary).set("order", lines.get(0).get("order").toString())
                                .set("lines", lines.size()).set("items", lines.stream()
                                        .map(l -> l.get("item").toString()).sorted().toList().toString()).build())
                .build();
        try (var driver = PipelineTestDriver.of(shop, GenericRecord.class, GenericRecord.class)) {
            GenericRecord input = new GenericRecordBuilder(order).set("id", "o-1")
                    .set("lines", List.of("tea", "bread", "apples")).build();
            GenericRecord output = driver.result(driver.submit("order-1", input)).getOutput();
            assertThat(output.getSchema().getFullName()).isEqualTo("com.example.shop.Summary");
            assertThat(output.get("lines")).isEqualTo(3);
            assertThat(output.get("items").toString()).isEqualTo("[apples, bread, tea]");
        }
    }

    private static void assertFailedAtIntake(PipelineTestDriver<?, ?> driver, String jobId, String message) {
        var result = driver.result(jobId);
        assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
        assertThat(result.getError().getStage()).isEqualTo("intake");
        assertThat(result.getError().getMessage()).contains(message);
        assertThat(driver.deadLetters()).filteredOn(dead -> jobId.equals(dead.keyAsString())).singleElement()
                .satisfies(dead -> {
                    assertThat(dead.stage()).isEqualTo("intake");
                    Job original = driver.topics().jobs().valueSerde().deserializer().deserialize("sluice.jobs",
                            dead.value());
                    assertThat(original.getJobId()).as("the job's own record").isEqualTo(jobId);
                });
    }

    private static void assertNextJobCompletes(PipelineTestDriver<Task, Chunk> driver) {
        String id = driver.submit("next", Task.newBuilder().setType("next").setParams(Map.of()).build());
        assertThat(driver.result(id).getStatus()).isEqualTo(JobStatus.COMPLETED);
    }

    /** {@code record} in the Confluent wire format, written with {@code writer}, whose id is {@code schemaId}. */
    static byte[] frame(int schemaId, Schema writer, GenericData.Record record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WireFormat.writeHeader(out, schemaId);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericData.Record>(writer).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static byte[] bytes(java.nio.ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
