package dev.sluice.serdes;

import dev.sluice.serdes.internal.AvroTrust;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * What a job carries in and a result carries out: an Avro record, in its Java form. A generated
 * {@link SpecificRecord} class ({@link #of(Class)}), a schema read as {@link GenericRecord}s
 * ({@link #generic(Schema)}), or {@link #any()}: whatever a record's writer schema says, read as the
 * generated class of that name where one is on the class path, else as a GenericRecord.
 *
 * <p>On a topic a payload is in the Confluent wire format of its own schema (magic byte 0, 4-byte
 * schema id, Avro binary), inside the bytes field {@code payload} of the envelope (Job, JobResult),
 * and its schema is registered under the subject {@code <topic>-payload}. A reader with a type reads
 * any payload whose writer schema Avro can resolve to the type's (same record name, compatible
 * fields); a payload of another type is refused with Avro's reason.
 */
public final class PayloadType<T> {

    private static final PayloadType<Object> ANY = new PayloadType<>(null, Object.class, SpecificData.get());

    private final Schema schema;
    private final Class<T> javaType;
    private final GenericData model;

    private PayloadType(Schema schema, Class<T> javaType, GenericData model) {
        this.schema = schema;
        this.javaType = javaType;
        this.model = model;
    }

    /** Payloads of a generated Avro class, e.g. {@code PayloadType.of(Document.class)}. */
    public static <T extends SpecificRecord> PayloadType<T> of(Class<T> type) {
        Objects.requireNonNull(type, "type");
        AvroTrust.trust(type);
        SpecificData model = SpecificData.getForClass(type);
        return new PayloadType<>(model.getSchema(type), type, model);
    }

    /**
     * The payload type of a Java class a stage takes or makes: {@link #of(Class)} for an Avro specific
     * record, {@code any()} for {@code Object}; null for any other class (a GenericRecord needs its
     * schema, and other classes cannot leave the pipeline).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static PayloadType<?> forClass(Class<?> type) {
        if (type == Object.class) {
            return any();
        }
        if (SpecificRecord.class.isAssignableFrom(type) && !type.isInterface()) {
            return of((Class) type);
        }
        return null;
    }

    /** Payloads of {@code schema}, a record schema (from an {@code .avsc} file), as GenericRecords. */
    public static PayloadType<GenericRecord> generic(Schema schema) {
        Objects.requireNonNull(schema, "schema");
        if (schema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("a payload is an Avro record, not a " + schema.getType() + ": " + schema);
        }
        return new PayloadType<>(schema, GenericRecord.class, GenericData.get());
    }

    /** Any record, read as its writer wrote it. */
    public static PayloadType<Object> any() {
        return ANY;
    }

    /** The payload's schema; null for {@link #any()}. */
    public Schema schema() {
        return schema;
    }

    /** The Java form of a payload: the generated class, {@code GenericRecord}, or {@code Object} for {@link #any()}. */
    public Class<T> javaType() {
        return javaType;
    }

    /** The record's full name, e.g. {@code dev.sluice.schemas.Document}; {@code any} for {@link #any()}. */
    public String name() {
        return schema == null ? "any" : schema.getFullName();
    }

    public boolean isAny() {
        return schema == null;
    }

    /** The schema {@code value} is written with: this type's, or for {@link #any()} the value's own. */
    public Schema schemaOf(Object value) {
        if (schema != null) {
            return schema;
        }
        if (value instanceof GenericContainer container) {
            return container.getSchema();
        }
        throw new IllegalArgumentException("a payload is an Avro record (a generated class or a GenericRecord), not a "
                + (value == null ? "null" : value.getClass().getName()));
    }

    /** Whether {@code value} is a payload of this type. */
    public boolean accepts(Object value) {
        if (value == null) {
            return false;
        }
        if (schema == null) {
            return value instanceof GenericContainer;
        }
        return javaType.isInstance(value) && (javaType != GenericRecord.class
                || ((GenericRecord) value).getSchema().getFullName().equals(schema.getFullName()));
    }

    /** Writes values of {@code writerSchema}, this type's or (for {@link #any()}) a value's own. */
    @SuppressWarnings("unchecked")
    public DatumWriter<T> writer(Schema writerSchema) {
        return (DatumWriter<T>) model.createDatumWriter(writerSchema);
    }

    /** Reads what {@code writerSchema} wrote as this type: resolved to its schema, or as written for {@link #any()}. */
    @SuppressWarnings("unchecked")
    public DatumReader<T> reader(Schema writerSchema) {
        return (DatumReader<T>) model.createDatumReader(writerSchema, schema == null ? writerSchema : schema);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PayloadType<?> other && Objects.equals(schema, other.schema) && javaType == other.javaType;
    }

    @Override
    public int hashCode() {
        return Objects.hash(schema, javaType);
    }

    @Override
    public String toString() {
        return javaType == GenericRecord.class ? name() + " (GenericRecord)" : name();
    }
}
