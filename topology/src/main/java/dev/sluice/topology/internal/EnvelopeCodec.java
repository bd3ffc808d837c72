package dev.sluice.topology.internal;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.internal.Envelope;
import dev.sluice.schemas.internal.EnvelopeKind;
import dev.sluice.schemas.internal.GatherState;
import dev.sluice.schemas.internal.StatusEntry;
import dev.sluice.serdes.internal.AvroTrust;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Turns envelopes into bytes and back, for the stores of joins, gathers and batches: a version byte,
 * then the Avro binary of the internal {@link Envelope} schema, whose payload is the Avro binary of
 * the payload's own specific class. Internal topics and stores belong to the application, so no
 * registry is involved; the version byte leaves room for a change of format.
 */
final class EnvelopeCodec {

    static {
        // before the readers below are made: Avro instantiates only trusted classes
        AvroTrust.trust(Envelope.class);
        AvroTrust.trust(Job.class);
    }

    private static final byte VERSION = 1;
    /** The first byte of an entry with a job's original record kept with it ({@link #keep}). */
    private static final byte KEPT = 2;
    /** How a stored envelope's payload type starts when the payload is a GenericRecord: its schema follows. */
    private static final String GENERIC = "generic:";
    private static final Map<Class<?>, DatumWriter<Object>> WRITERS = new ConcurrentHashMap<>();
    private static final Map<Schema, DatumWriter<Object>> GENERIC_WRITERS = new ConcurrentHashMap<>();
    private static final Map<String, DatumReader<Object>> READERS = new ConcurrentHashMap<>();
    private static final SpecificDatumWriter<Envelope> ENVELOPE_WRITER = new SpecificDatumWriter<>(Envelope.class);
    private static final SpecificDatumReader<Envelope> ENVELOPE_READER = new SpecificDatumReader<>(Envelope.class);
    private static final SpecificDatumWriter<GatherState> STATE_WRITER = new SpecificDatumWriter<>(GatherState.class);
    private static final SpecificDatumReader<GatherState> STATE_READER = new SpecificDatumReader<>(GatherState.class);
    private static final SpecificDatumWriter<StatusEntry> STATUS_WRITER =
            new SpecificDatumWriter<>(StatusEntry.class);
    private static final SpecificDatumReader<StatusEntry> STATUS_READER =
            new SpecificDatumReader<>(StatusEntry.class);
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private EnvelopeCodec() {
    }

    static byte[] encode(Flow.Envelope envelope) {
        return write(ENVELOPE_WRITER, toAvro(envelope));
    }

    static Flow.Envelope decode(byte[] bytes) {
        return fromAvro(read(ENVELOPE_READER, bytes));
    }

    /**
     * A part waiting for a retry: how many attempts were made, the envelope, and the job's original
     * record if the envelope knows it, so that a job that fails for good still sends that record to
     * the dead-letter topic. Layout: the version byte, the attempt count, the length-prefixed
     * envelope, then the record ({@link #putRaw}).
     */
    static byte[] encodeRetry(Flow.Envelope envelope, int attempts) {
        byte[] body = encode(envelope);
        Flow.Raw raw = envelope.raw();
        ByteBuffer out = ByteBuffer.allocate(1 + 4 + 4 + body.length + rawLength(raw));
        out.put(VERSION).putInt(attempts);
        putBytes(out, body);
        putRaw(out, raw);
        return out.array();
    }

    /** What {@link #encodeRetry} wrote. */
    static Parked decodeRetry(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (bytes.length < 5 || in.get() != VERSION) {
            throw new SerializationException("not a Sluice retry entry of format version " + VERSION);
        }
        int attempts = in.getInt();
        Flow.Envelope envelope = decode(getBytes(in));
        Flow.Raw raw = getRaw(in);
        return new Parked(raw == null ? envelope : envelope.withRaw(raw), attempts);
    }

    /** A part that waited for a retry, and how many attempts were made on it. */
    record Parked(Flow.Envelope envelope, int attempts) {
    }

    /**
     * {@code encoded} (a store entry of this codec: a gather's state, for instance; or nothing) with
     * the job's original record, for a store where a job waits, so that the job still sends that
     * record to the dead-letter topic if it fails after the wait. Layout: {@link #KEPT}, the
     * length-prefixed {@code encoded}, then the record ({@link #putRaw}). Without a record it is
     * {@code encoded} itself, which {@link #unkeep} reads too.
     */
    static byte[] keep(byte[] encoded, Flow.Raw raw) {
        if (raw == null) {
            return encoded;
        }
        ByteBuffer out = ByteBuffer.allocate(1 + 4 + encoded.length + rawLength(raw));
        out.put(KEPT);
        putBytes(out, encoded);
        putRaw(out, raw);
        return out.array();
    }

    /** What {@link #keep} wrote: the entry, and the record kept with it (null if none was). */
    static Kept unkeep(byte[] bytes) {
        if (bytes.length == 0 || bytes[0] != KEPT) {
            return new Kept(bytes, null);
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
            byte[] encoded = getBytes(in);
            if (encoded == null) {
                throw new SerializationException("a Sluice store entry with a kept record has no entry");
            }
            return new Kept(encoded, getRaw(in));
        } catch (BufferUnderflowException e) {
            throw new SerializationException("a Sluice store entry with a kept record is cut short", e);
        }
    }

    /** A store entry and the job's original record kept with it, or null. */
    record Kept(byte[] encoded, Flow.Raw raw) {
    }

    /**
     * A source record that waits for the schema registry ({@link RegistryWaits}): the version byte,
     * the attempts made, the record's timestamp, the record ({@link #putRaw}), then its headers (a
     * count, then each length-prefixed UTF-8 key and length-prefixed value).
     */
    static byte[] encodeWaiting(Flow.Raw raw, long timestamp, Headers headers,
                                int attempts) {
        List<byte[]> keys = new ArrayList<>();
        int headerBytes = 4;
        for (Header header : headers) {
            byte[] key = header.key().getBytes(StandardCharsets.UTF_8);
            keys.add(key);
            headerBytes += 4 + key.length + 4 + length(header.value());
        }
        ByteBuffer out = ByteBuffer.allocate(1 + 4 + 8 + rawLength(raw) + headerBytes);
        out.put(VERSION).putInt(attempts).putLong(timestamp);
        putRaw(out, raw);
        out.putInt(keys.size());
        int i = 0;
        for (Header header : headers) {
            putBytes(out, keys.get(i++));
            putBytes(out, header.value());
        }
        return out.array();
    }

    /** What {@link #encodeWaiting} wrote. */
    static Waiting decodeWaiting(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (bytes.length < 13 || in.get() != VERSION) {
            throw new SerializationException("not a Sluice registry-wait entry of format version " + VERSION);
        }
        int attempts = in.getInt();
        long timestamp = in.getLong();
        Flow.Raw raw = getRaw(in);
        RecordHeaders headers = new RecordHeaders();
        for (int n = in.getInt(); n > 0; n--) {
            headers.add(new String(getBytes(in), StandardCharsets.UTF_8), getBytes(in));
        }
        return new Waiting(raw, timestamp, headers, attempts);
    }

    /** A source record that waits for the registry, and how many times it could not be read. */
    record Waiting(Flow.Raw raw, long timestamp, Headers headers, int attempts) {
    }

    /** The bytes {@link #putRaw} writes for {@code raw}. */
    private static int rawLength(Flow.Raw raw) {
        byte[] topic = topicOf(raw);
        return 4 + length(raw == null ? null : raw.key()) + 4 + length(raw == null ? null : raw.value())
                + 4 + length(topic) + 4 + 8;
    }

    /**
     * A job's original record: length-prefixed key and value (-1 for none), then its topic
     * (length-prefixed UTF-8; -1 for none), partition and offset.
     */
    private static void putRaw(ByteBuffer out, Flow.Raw raw) {
        byte[] topic = topicOf(raw);
        putBytes(out, raw == null ? null : raw.key());
        putBytes(out, raw == null ? null : raw.value());
        putBytes(out, topic);
        out.putInt(topic == null ? -1 : raw.position().partition()).putLong(topic == null ? -1 : raw.position().offset());
    }

    /** What {@link #putRaw} wrote; null for no record. */
    private static Flow.Raw getRaw(ByteBuffer in) {
        byte[] key = getBytes(in);
        byte[] value = getBytes(in);
        byte[] topic = getBytes(in);
        int partition = in.getInt();
        long offset = in.getLong();
        if (key == null && value == null && topic == null) {
            return null;
        }
        ErrorHeaders.SourcePosition position = topic == null ? null : new ErrorHeaders.SourcePosition(
                new String(topic, StandardCharsets.UTF_8), partition, offset);
        return new Flow.Raw(key, value, position);
    }

    private static byte[] topicOf(Flow.Raw raw) {
        return raw == null || raw.position() == null ? null
                : raw.position().topic().getBytes(StandardCharsets.UTF_8);
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static void putBytes(ByteBuffer out, byte[] bytes) {
        out.putInt(bytes == null ? -1 : bytes.length);
        if (bytes != null) {
            out.put(bytes);
        }
    }

    private static byte[] getBytes(ByteBuffer in) {
        int length = in.getInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    /**
     * A job's entry in the status store: the version byte, the entry's {@code since} (8 bytes, so that
     * the sweep reads it without decoding), then the Avro binary of the StatusEntry.
     */
    static byte[] encodeStatus(StatusEntry entry) {
        byte[] avro = write(STATUS_WRITER, entry);
        return ByteBuffer.allocate(avro.length + Long.BYTES).put(VERSION).putLong(entry.getSince())
                .put(avro, 1, avro.length - 1).array();
    }

    static StatusEntry decodeStatus(byte[] bytes) {
        if (bytes.length < 1 + Long.BYTES || bytes[0] != VERSION) {
            throw new SerializationException("not a Sluice status entry of format version " + VERSION);
        }
        return read(STATUS_READER, bytes, 1 + Long.BYTES, bytes.length - 1 - Long.BYTES);
    }

    /** The {@code since} of an entry {@link #encodeStatus} wrote. */
    static long statusSince(byte[] bytes) {
        return ByteBuffer.wrap(bytes, 1, Long.BYTES).getLong();
    }

    static byte[] encodeState(GatherState state) {
        return write(STATE_WRITER, state);
    }

    static GatherState decodeState(byte[] bytes) {
        return read(STATE_READER, bytes);
    }

    /** The Avro form, valid only until the next encode on this thread: its payload is a view of a reused buffer. */
    private static Envelope toAvro(Flow.Envelope envelope) {
        Object payload = envelope.payload();
        Job job = envelope.job();
        ByteBuffer encodedPayload = null;
        if (payload != null) {
            Buffers buffers = BUFFERS.get();
            buffers.payload.reset();
            buffers.payloadEncoder = encodeTo(buffers.payload, buffers.payloadEncoder, writer(payload), payload);
            encodedPayload = buffers.payload.contents();
        }
        return Envelope.newBuilder()
                .setJobId(envelope.jobId())
                .setJob(job)
                .setKind(envelope.kind())
                .setLineage(envelope.lineage().toParts())
                .setTrace(envelope.trace())
                .setPayloadType(payload == null ? null : typeName(payload))
                .setPayload(encodedPayload)
                .setError(envelope.error())
                .setPartial(envelope.partial())
                .build();
    }

    private static Flow.Envelope fromAvro(Envelope avro) {
        Object payload = null;
        if (avro.getPayload() != null) {
            ByteBuffer buffer = avro.getPayload();
            payload = read(reader(avro.getPayloadType()), buffer.array(), buffer.arrayOffset() + buffer.position(),
                    buffer.remaining());
        }
        return new Flow.Envelope(avro.getJob(), kindOf(avro), Lineage.fromParts(avro.getLineage()),
                new ArrayList<>(avro.getTrace()), payload, avro.getError(), avro.getPartial(), null);
    }

    /**
     * The envelope's kind. Stores written before CANCELLED and EXPIRED were kinds of their own hold such a
     * part as FAILED with the error class of a cancel or an expiry; it is read as what it was.
     */
    private static EnvelopeKind kindOf(Envelope avro) {
        if (avro.getKind() == EnvelopeKind.FAILED && avro.getError() != null) {
            if (Cancellations.isCancel(avro.getError())) {
                return EnvelopeKind.CANCELLED;
            }
            if (Deadlines.isExpiry(avro.getError())) {
                return EnvelopeKind.EXPIRED;
            }
        }
        return avro.getKind();
    }

    /**
     * What names a payload's type in a stored envelope: its class, or for a GenericRecord
     * {@value #GENERIC} and its schema, which is all there is to read it with.
     */
    private static String typeName(Object payload) {
        if (payload instanceof GenericRecord record && !(payload instanceof SpecificRecord)) {
            return GENERIC + record.getSchema().toString();
        }
        return payload.getClass().getName();
    }

    @SuppressWarnings("unchecked")
    private static DatumWriter<Object> writer(Object payload) {
        if (payload instanceof GenericRecord record && !(payload instanceof SpecificRecord)) {
            return GENERIC_WRITERS.computeIfAbsent(record.getSchema(), GenericDatumWriter::new);
        }
        return WRITERS.computeIfAbsent(payload.getClass(), t -> {
            if (!SpecificRecord.class.isAssignableFrom(t)) {
                throw new SerializationException("cannot store or send a " + t.getName()
                        + " between stages: payloads that cross a topic or wait in a gather must be Avro specific records");
            }
            AvroTrust.trust(t);
            return (DatumWriter<Object>) (DatumWriter<?>) new SpecificDatumWriter<>(t);
        });
    }

    @SuppressWarnings("unchecked")
    private static DatumReader<Object> reader(String typeName) {
        return READERS.computeIfAbsent(typeName, name -> {
            if (name.startsWith(GENERIC)) {
                return new GenericDatumReader<>(new Schema.Parser().parse(name.substring(GENERIC.length())));
            }
            try {
                Class<?> type = classNamed(name);
                if (!SpecificRecord.class.isAssignableFrom(type)) {
                    throw new SerializationException("envelope names payload type " + name
                            + ", which is not an Avro specific record");
                }
                AvroTrust.trust(type);
                return (DatumReader<Object>) (DatumReader<?>) new SpecificDatumReader<>(type);
            } catch (ClassNotFoundException e) {
                throw new SerializationException("envelope names payload type " + name + ", which is not on the class path", e);
            }
        });
    }

    /** The class {@code name}: Sluice's, or a plugin's (the context class loader sees the plugin jars). */
    private static Class<?> classNamed(String name) throws ClassNotFoundException {
        try {
            return Class.forName(name, false, EnvelopeCodec.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            if (context == null) {
                throw e;
            }
            return Class.forName(name, false, context);
        }
    }

    private static <T> byte[] write(SpecificDatumWriter<T> writer, T value) {
        Buffers buffers = BUFFERS.get();
        buffers.envelope.reset();
        buffers.envelope.write(VERSION);
        buffers.envelopeEncoder = encodeTo(buffers.envelope, buffers.envelopeEncoder, writer, value);
        return buffers.envelope.toByteArray();
    }

    private static <T> BinaryEncoder encodeTo(Buffer out, BinaryEncoder reuse, DatumWriter<T> writer, T value) {
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, reuse);
        try {
            writer.write(value, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return encoder;
    }

    private static <T> T read(DatumReader<T> reader, byte[] bytes) {
        if (bytes.length == 0 || bytes[0] != VERSION) {
            throw new SerializationException("not a Sluice envelope of format version " + VERSION);
        }
        return read(reader, bytes, 1, bytes.length - 1);
    }

    private static <T> T read(DatumReader<T> reader, byte[] bytes, int offset, int length) {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, offset, length, null);
        try {
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot read a Sluice envelope: " + e, e);
        }
    }

    /** A growable byte buffer whose contents can be used in place. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer() {
            super(4_096);
        }

        ByteBuffer contents() {
            return ByteBuffer.wrap(buf, 0, count);
        }
    }

    /** Per stream thread: the buffers and encoders writing reuses. */
    private static final class Buffers {
        final Buffer envelope = new Buffer();
        final Buffer payload = new Buffer();
        BinaryEncoder envelopeEncoder;
        BinaryEncoder payloadEncoder;
    }
}
