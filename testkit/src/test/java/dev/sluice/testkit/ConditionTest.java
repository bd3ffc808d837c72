package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.StageTrace;
import dev.sluice.schemas.Task;
import dev.sluice.serdes.PayloadType;
import dev.sluice.topology.pipeline.InvalidPipelineException;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.pipeline.PipelineConfig;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.junit.jupiter.api.Test;

/** Conditions in a configuration file read any field of the record by its path, and the job's attributes. */
class ConditionTest {

    private static final Schema REPORT = SchemaBuilder.record("Report").namespace("com.example").fields()
            .requiredString("title")
            .name("meta").type().record("Meta").fields().requiredInt("pages").optionalString("lang").endRecord().noDefault()
            .name("kind").type().enumeration("Kind").symbols("MEMO", "BOOK").noDefault()
            .requiredBoolean("draft")
            .endRecord();

    private static GenericRecord report(String title, int pages, String lang, String kind, boolean draft) {
        Schema meta = REPORT.getField("meta").schema();
        return new GenericRecordBuilder(REPORT).set("title", title)
                .set("meta", new GenericRecordBuilder(meta).set("pages", pages).set("lang", lang).build())
                .set("kind", new org.apache.avro.generic.GenericData.EnumSymbol(REPORT.getField("kind").schema(), kind))
                .set("draft", draft).build();
    }

    private static Pipeline pipeline(String filter) {
        return PipelineConfig.fromConfig("reports", PayloadType.generic(REPORT), PayloadType.generic(REPORT), List.of(
                Map.of("name", "keep", "filter", filter)));
    }

    @Test
    void shouldFilterOnFieldsOfTheRecordByTheirPathAndOnTheJobsAttributes() {
        Pipeline pipeline = pipeline("payload.meta.pages > 20 and payload.kind == 'BOOK' and payload.draft == false"
                + " or attributes.lang == 'fr'");
        try (var driver = PipelineTestDriver.of(pipeline, GenericRecord.class, GenericRecord.class)) {
            String kept = driver.submit("long-book", report("Atlas", 300, null, "BOOK", false));
            String draft = driver.submit("draft-book", report("Atlas", 300, null, "BOOK", true));
            String memo = driver.submit("long-memo", report("Minutes", 30, null, "MEMO", false));
            var french = driver.topics().payloadSerde(PayloadType.generic(REPORT)).serializer()
                    .serialize("sluice.jobs", report("Note", 1, null, "MEMO", true));
            var job = dev.sluice.schemas.Jobs.withPayload("french-note", french);
            job.setAttributes(Map.of("lang", "fr"));
            String byAttribute = driver.submit(job);
            assertThat(driver.result(kept).getOutput()).isNotNull();
            assertThat(driver.result(draft).getOutput()).isNull();
            assertThat(driver.result(draft).getTrace()).extracting(StageTrace::getNote)
                    .anySatisfy(note -> assertThat(note).startsWith("dropped: payload.meta.pages > 20"));
            assertThat(driver.result(memo).getOutput()).isNull();
            assertThat(driver.result(byAttribute).getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(driver.result(byAttribute).getOutput()).as("kept for its attribute").isNotNull();
        }
    }

    @Test
    void shouldRouteOnAFieldOfAGeneratedClass() {
        Pipeline pipeline = PipelineConfig.fromConfig("tasks", PayloadType.of(Task.class), null, List.of(
                Map.of("name", "route", "branch", List.of(Map.of("when", "payload.type == 'urgent'", "to", "urgent"))),
                Map.of("name", "normal", "filter", "payload.type != 'never'"),
                Map.of("name", "urgent", "filter", "payload.type == 'urgent'", "after", List.of("route"))));
        try (var driver = PipelineTestDriver.of(pipeline, Task.class, Task.class)) {
            String urgent = driver.submit("u", Task.newBuilder().setType("urgent").setParams(Map.of()).build());
            String normal = driver.submit("n", Task.newBuilder().setType("later").setParams(Map.of()).build());
            assertThat(driver.result(urgent).getTrace()).extracting(StageTrace::getStage).contains("urgent")
                    .doesNotContain("normal");
            assertThat(driver.result(normal).getTrace()).extracting(StageTrace::getStage).contains("normal")
                    .doesNotContain("urgent");
        }
    }

    @Test
    void shouldRefuseAtStartUpAFieldTheRecordDoesNotHaveOrOfAnotherKind() {
        assertThatThrownBy(() -> pipeline("payload.meta.chapters > 3"))
                .isInstanceOf(InvalidPipelineException.class)
                .hasMessageContaining("filter 'keep': condition 'payload.meta.chapters > 3' names unknown field"
                        + " 'payload.meta.chapters': payload.meta is a record Meta with fields [pages, lang]");
        assertThatThrownBy(() -> pipeline("payload.title > 3"))
                .hasMessageContaining("compares field 'payload.title', a string, with a number");
        assertThatThrownBy(() -> pipeline("words > 3"))
                .hasMessageContaining("names 'words', a measure of a Document's or a Chunk's text, but its records are"
                        + " GenericRecord");
        assertThatThrownBy(() -> pipeline("pages > 3"))
                .hasMessageContaining("names unknown field 'pages'; name a field of the record as payload.pages");
        assertThatThrownBy(() -> pipeline("attributes.lang > 3"))
                .hasMessageContaining("compares attribute 'attributes.lang', a string, with a number");
        assertThat(PipelineConfig.fromConfig("docs", List.of(Map.of("name", "normalize"),
                Map.of("name", "short", "filter", "chars < 100 and payload.contentType == 'text/plain'"))).input())
                .isEqualTo(PayloadType.of(Document.class));
    }
}
