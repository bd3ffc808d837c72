package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.Jobs;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

class PayloadJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A product record with most of what JSON has to map: a union, an enum, an array, a map, bytes, a time. */
    private static final Schema PRODUCT = new Schema.Parser().parse("""
            {"type": "record", "name": "Product", "namespace": "com.example.shop", "fields": [
              {"name": "sku", "type": "string"},
              {"name": "price", "type": "double"},
              {"name": "stock", "type": "int", "default": 0},
              {"name": "colour", "type": ["null", {"type": "enum", "name": "Colour", "symbols": ["RED", "BLUE"]}],
               "default": null},
              {"name": "tags", "type": {"type": "array", "items": "string"}, "default": []},
              {"name": "sizes", "type": {"type": "map", "values": "long"}, "default": {}},
              {"name": "image", "type": ["null", "bytes"], "default": null},
              {"name": "listed", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "parts", "type": {"type": "array", "items": {"type": "record", "name": "Part", "fields": [
                {"name": "name", "type": "string"}, {"name": "weight", "type": "float"}]}}, "default": []}
            ]}""");

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void shouldReadPlainJsonThroughTheSchemaAndWriteItBack() throws Exception {
        GenericRecord product = PayloadJson.read(json("""
                {"sku": "A-1", "price": 9.5, "colour": "BLUE", "tags": ["new"], "sizes": {"s": 3},
                 "image": "AAEC/w==", "listed": "2026-12-07T10:15:30Z", "parts": [{"name": "lid", "weight": 0.25}]}
                """), PRODUCT, "payload");
        assertThat(product.get("sku")).isEqualTo("A-1");
        assertThat(product.get("stock")).as("a default").isEqualTo(0);
        assertThat(product.get("colour")).hasToString("BLUE");
        assertThat(product.get("listed")).isEqualTo(Instant.parse("2026-12-07T10:15:30Z").toEpochMilli());
        assertThat(((ByteBuffer) product.get("image")).array()).containsExactly(0, 1, 2, 0xff);
        assertThat(GenericData.get().validate(PRODUCT, product)).isTrue();
        JsonNode back = PayloadJson.write(product);
        assertThat(back.path("image").asText()).isEqualTo("AAEC/w==");
        assertThat(back.path("colour").asText()).isEqualTo("BLUE");
        assertThat(back.path("parts").get(0).path("weight").floatValue()).isEqualTo(0.25f);
        assertThat(PayloadJson.read(back, PRODUCT, "payload")).isEqualTo(product);
    }

    @Test
    void shouldNameTheFieldThatDoesNotFit() {
        Map<String, String> fieldByJson = Map.of(
                "{\"price\": 1, \"listed\": 0}", "payload.sku",
                "{\"sku\": \"a\", \"price\": \"cheap\", \"listed\": 0}", "payload.price",
                "{\"sku\": \"a\", \"price\": 1, \"listed\": \"yesterday\"}", "payload.listed",
                "{\"sku\": \"a\", \"price\": 1, \"listed\": 0, \"colour\": \"GREEN\"}", "payload.colour",
                "{\"sku\": \"a\", \"price\": 1, \"listed\": 0, \"stock\": 1.5}", "payload.stock",
                "{\"sku\": \"a\", \"price\": 1, \"listed\": 0, \"parts\": [{\"name\": \"x\", \"weight\": 1}, {}]}",
                "payload.parts[1].name",
                "{\"sku\": \"a\", \"price\": 1, \"listed\": 0, \"image\": \"not base64!\"}", "payload.image",
                "{\"sku\": \"a\", \"price\": 1, \"listed\": 0, \"weight\": 3}", "payload.weight");
        fieldByJson.forEach((text, field) -> assertThatThrownBy(() -> PayloadJson.read(json(text), PRODUCT, "payload"))
                .as(text).isInstanceOfSatisfying(InvalidJsonException.class,
                        e -> assertThat(e.field()).isEqualTo(field)).hasMessageStartingWith(field));
        assertThatThrownBy(() -> PayloadJson.read(json("{\"price\": 1, \"listed\": 0}"), PRODUCT, "payload"))
                .hasMessage("payload.sku is required (a string)");
    }

    @Test
    void shouldWriteAGeneratedRecordWithItsTimesAsInstants() {
        Job job = Jobs.withPayload("job-1", new byte[] {0, 0, 0, 0, 1, 2});
        job.setSubmittedAt(Instant.parse("2026-12-07T10:15:30Z"));
        job.setDeadline(Instant.parse("2026-12-08T00:00:00Z"));
        JsonNode written = PayloadJson.write(job);
        assertThat(written.path("submittedAt").asText()).isEqualTo("2026-12-07T10:15:30Z");
        assertThat(written.path("deadline").asText()).isEqualTo("2026-12-08T00:00:00Z");
        assertThat(written.path("payload").asText()).isEqualTo("AAAAAAEC");
        Document document = Document.newBuilder().setId("d").setText("t").build();
        GenericRecord read = PayloadJson.read(PayloadJson.write(document), Document.getClassSchema(), "payload");
        assertThat(SpecificData.get().deepCopy(Document.getClassSchema(), read)).isEqualTo(document);
    }

    @Test
    void shouldMakeAJobOfAPayloadOrOfADocumentForADocumentInput() throws Exception {
        Schema order = SchemaBuilder.record("Order").fields().requiredString("id").endRecord();
        Job job = JobJson.parse(json("{\"jobId\": \"j-1\", \"payload\": {\"id\": \"o-1\"}, \"attributes\": {\"a\": \"b\"}}"),
                "unused", order, (id, payload) -> {
                    assertThat(payload.get("id")).isEqualTo("o-1");
                    return Jobs.withPayload(id, new byte[] {0, 0, 0, 0, 9});
                });
        assertThat(job.getJobId()).isEqualTo("j-1");
        assertThat(job.getAttributes()).containsEntry("a", "b");
        assertThatThrownBy(() -> JobJson.parse(json("{\"document\": {\"text\": \"x\"}}"), "j", order,
                (id, payload) -> null)).isInstanceOfSatisfying(InvalidJsonException.class,
                        e -> assertThat(e.field()).isEqualTo("document")).hasMessageContaining("give it as payload");
        assertThatThrownBy(() -> JobJson.parse(json("{\"payload\": {\"id\": 7}}"), "j", order, (id, payload) -> null))
                .isInstanceOfSatisfying(InvalidJsonException.class,
                        e -> assertThat(e.field()).isEqualTo("payload.id"));
        List<GenericRecord> made = new java.util.ArrayList<>();
        JobJson.parse(json("{\"document\": {\"text\": \"hello\"}}"), "generated", Document.getClassSchema(),
                (id, payload) -> {
                    made.add(payload);
                    return Jobs.withPayload(id, new byte[] {0, 0, 0, 0, 9});
                });
        assertThat(made.get(0).get("id")).as("a document's id is the job's when it has none").isEqualTo("generated");
        assertThat(made.get(0).get("contentType")).isEqualTo("text/plain");
    }
}
