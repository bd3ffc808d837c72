package dev.sluice.serdes.internal;

import dev.sluice.serdes.SchemaRegistry;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent wire-format records into Avro specific records, resolving the writer's schema by
 * id through the registry (cached) and projecting it onto the reader's schema with Avro's schema
 * resolution. Thread-safe.
 */
public final class WireFormatDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final SchemaRegistry registry;
    private final Schema readerSchema;
    private final Map<Integer, SpecificDatumReader<T>> readersById = new ConcurrentHashMap<>();
    private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();
    private final Map<Integer, Boolean> unchanged = new ConcurrentHashMap<>();

    public WireFormatDeserializer(SchemaRegistry registry, Schema readerSchema) {
        this.registry = registry;
        this.readerSchema = readerSchema;
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
        SpecificDatumReader<T> reader = readersById.computeIfAbsent(id, this::newReader);
        try {
            BinaryDecoder decoder = DecoderFactory.get()
                    .binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, decoders.get());
            decoders.set(decoder);
            T value = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new SerializationException("record on " + topic + " has bytes left over after its "
                        + readerSchema.getName() + " body (schema id " + id + ")");
            }
            return value;
        } catch (SerializationException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // whatever Avro throws on a body that is not what its header says (a length past the end or past
            // Avro's limits, a union branch that does not exist, ...): the record is bad, not the reader
            throw new SerializationException("record on " + topic + " is not a valid " + readerSchema.getName()
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

    private SpecificDatumReader<T> newReader(int id) {
        Schema writerSchema = registry.schemaById(id);
        return new SpecificDatumReader<>(writerSchema, readerSchema);
    }
}
