package dev.sluice.serdes.internal;

import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.SchemaRegistry;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent wire-format records into Avro records, resolving the writer's schema by id through
 * the registry (cached) and projecting it onto the reader's schema with Avro's schema resolution (a
 * reader of {@link PayloadType#any()} reads each record as written). A record whose writer schema does
 * not resolve to the reader's (another record, an incompatible field) is refused with Avro's reason.
 * Thread-safe.
 */
public final class WireFormatDeserializer<T> implements Deserializer<T> {

    private final SchemaRegistry registry;
    private final Schema readerSchema;
    private final PayloadType<T> type;
    private final String readerName;
    private final Map<Integer, DatumReader<T>> readersById = new ConcurrentHashMap<>();
    private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();
    private final Map<Integer, Boolean> unchanged = new ConcurrentHashMap<>();

    /** Reads Sluice's own records: {@code readerSchema} is a generated class's. */
    public WireFormatDeserializer(SchemaRegistry registry, Schema readerSchema) {
        this.registry = registry;
        this.readerSchema = readerSchema;
        this.type = null;
        this.readerName = readerSchema.getName();
    }

    /** Reads records as {@code type}. */
    public WireFormatDeserializer(SchemaRegistry registry, PayloadType<T> type) {
        this.registry = registry;
        this.readerSchema = type.schema();
        this.type = type;
        this.readerName = type.name();
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < WireFormat.HEADER_SIZE) {
            throw new SerializationException("record on " + topic + " is " + data.length
                    + " bytes, too short for the Confluent wire format (magic byte, 4-byte schema id, Avro body)");
        }
        if (data[0] != WireFormat.MAGIC) {
            throw new SerializationException(String.format(
                    "record on %s starts with byte 0x%02x, not the Confluent wire format's magic byte 0x00",
                    topic, data[0] & 0xff));
        }
        int id = WireFormat.schemaId(data);
        DatumReader<T> reader = readersById.computeIfAbsent(id, this::newReader);
        try {
            BinaryDecoder decoder = DecoderFactory.get()
                    .binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, decoders.get());
            decoders.set(decoder);
            T value = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new SerializationException("record on " + topic + " has bytes left over after its "
                        + readerName + " body (schema id " + id + ")");
            }
            return value;
        } catch (SerializationException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // whatever Avro throws on a body that is not what its header says (a length past the end or past
            // Avro's limits, a union branch that does not exist, ...): the record is bad, not the reader
            throw new SerializationException("record on " + topic + " is not a valid " + readerName
                    + " (schema id " + id + "): " + e, e);
        }
    }

    /**
     * Whether a record written with schema {@code id} reads as written: its writer schema is this
     * deserializer's reader schema, so no field is added, dropped or converted. False for an id the
     * registry does not know (not remembered: the registry may know it later).
     */
    public boolean readsUnchanged(int id) {
        Boolean known = unchanged.get(id);
        if (known != null) {
            return known;
        }
        boolean same;
        try {
            same = registry.schemaById(id).equals(readerSchema);
        } catch (RuntimeException e) {
            return false;
        }
        unchanged.put(id, same);
        return same;
    }

    /** The schema records are read into. */
    public Schema readerSchema() {
        return readerSchema;
    }

    private DatumReader<T> newReader(int id) {
        Schema writerSchema = registry.schemaById(id);
        if (type == null) {
            return new SpecificDatumReader<>(writerSchema, readerSchema);
        }
        if (readerSchema != null && !writerSchema.getFullName().equals(readerSchema.getFullName())
                && !readerSchema.getAliases().contains(writerSchema.getFullName())) {
            throw new SerializationException("schema id " + id + " is a " + writerSchema.getFullName() + ", not a "
                    + readerName + ": this reader takes " + readerName + " only");
        }
        return type.reader(writerSchema);
    }
}
