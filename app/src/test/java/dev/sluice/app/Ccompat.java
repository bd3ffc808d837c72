package dev.sluice.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * Another team's client of a registry's Confluent-compatible API, for tests that look at Sluice from
 * the outside: plain HTTP and JSON, Avro's generic records, the wire format by hand. No Sluice serde
 * and no registry client library.
 */
public final class Ccompat {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final String url;

    public Ccompat(String url) {
        this.url = url;
    }

    /** Registers {@code schema} under {@code subject}; the HTTP status and the answer. */
    public Answer register(String subject, Schema schema) throws IOException, InterruptedException {
        String body = JSON.createObjectNode().put("schema", schema.toString()).toString();
        return send(HttpRequest.newBuilder(URI.create(url + "/subjects/" + subject + "/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public Answer get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(url + path)).GET().build());
    }

    /** Writes {@code record} in the Confluent wire format: byte 0, the 4-byte id, the Avro binary body. */
    public static byte[] frame(int id, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /** The schema id in a wire-format record's header. */
    public static int idOf(byte[] frame) {
        if (frame.length < 5 || frame[0] != 0) {
            throw new AssertionError("not the Confluent wire format: starts with " + (frame.length == 0 ? "nothing" : frame[0]));
        }
        return ByteBuffer.wrap(frame, 1, 4).getInt();
    }

    /** Reads a wire-format record with the writer schema the registry gives for its id. */
    public GenericRecord decode(byte[] frame) throws IOException, InterruptedException {
        Answer schema = get("/schemas/ids/" + idOf(frame));
        if (schema.status() != 200) {
            throw new AssertionError("registry has no schema " + idOf(frame) + ": " + schema);
        }
        Schema writer = new Schema.Parser().parse(schema.json().path("schema").asText());
        return new GenericDatumReader<GenericRecord>(writer).read(null,
                DecoderFactory.get().binaryDecoder(frame, 5, frame.length - 5, null));
    }

    private Answer send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body());
    }

    public record Answer(int status, String body) {
        public JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }
}
