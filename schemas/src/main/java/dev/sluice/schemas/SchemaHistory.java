package dev.sluice.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Every released version of the schemas that travel through a registry ({@link #SUBJECT_RECORDS}:
 * a Job, a JobResult, a JobEvents, a Control, and the built-in payloads), oldest first. They live in {@code schemas/history/<Name>/v<N>.avsc}
 * of the source tree, each self-contained (the nested records written out), and on the class path
 * under {@code schema-history/}.
 */
public final class SchemaHistory {

    /**
     * The records written through a registry: the envelopes (one subject each per topic) and the built-in
     * pipeline's payloads (a Document in a job, an IngestedDocument in a result, each under its topic's
     * payload subject).
     */
    public static final List<Schema> SUBJECT_RECORDS = List.of(Job.getClassSchema(), JobResult.getClassSchema(),
            JobEvents.getClassSchema(), Control.getClassSchema(), Document.getClassSchema(),
            IngestedDocument.getClassSchema());

    private SchemaHistory() {
    }

    /**
     * {@code schema} without what only Java's generated classes use ({@code "avro.java.string":
     * "String"} on every string, from the code generator's stringType=String): the schema as its
     * {@code .avsc} file says it, and as the history keeps it.
     */
    public static Schema portable(Schema schema) {
        return new Schema.Parser().parse(schema.toString().replace(",\"avro.java.string\":\"String\"", ""));
    }

    /** The released versions of the record named {@code name} (simple name, e.g. Job), oldest first. */
    public static List<Schema> versions(String name) {
        List<Schema> versions = new ArrayList<>();
        for (int v = 1; ; v++) {
            String resource = "/schema-history/" + name + "/v" + v + ".avsc";
            try (InputStream in = SchemaHistory.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return versions;
                }
                versions.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }
    }
}
