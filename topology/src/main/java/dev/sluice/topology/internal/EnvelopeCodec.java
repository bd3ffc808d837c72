package dev.sluice.topology.internal;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.internal.Envelope;
import dev.sluice.schemas.internal.GatherState;
import dev.sluice.serdes.internal.AvroTrust;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Turns envelopes into bytes and back, for gather stores and repartition topics: a version byte,
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
    private static final Map<Class<?>, SpecificDatumWriter<Object>> WRITERS = new ConcurrentHashMap<>();
    private static final Map<String, SpecificDatumReader<Object>> READERS = new ConcurrentHashMap<>();
    private static final SpecificDatumWriter<Envelope> ENVELOPE_WRITER = new SpecificDatumWriter<>(Envelope.class);
    private static final SpecificDatumReader<Envelope> ENVELOPE_READER = new SpecificDatumReader<>(Envelope.class);
    private static final SpecificDatumWriter<GatherState> STATE_WRITER = new SpecificDatumWriter<>(GatherState.class);
    private static final SpecificDatumReader<GatherState> STATE_READER = new SpecificDatumReader<>(GatherState.class);

    private EnvelopeCodec() {
    }

    static byte[] encode(Flow.Envelope envelope) {
        return write(ENVELOPE_WRITER, toAvro(envelope));
    }

    static Flow.Envelope decode(byte[] bytes) {
        return fromAvro(read(ENVELOPE_READER, bytes));
    }

    static byte[] encodeState(GatherState state) {
        return write(STATE_WRITER, state);
    }

    static GatherState decodeState(byte[] bytes) {
        return read(STATE_READER, bytes);
    }

    static Envelope toAvro(Flow.Envelope envelope) {
        Object payload = envelope.payload();
        Job job = envelope.job();
        if (payload != null && !(payload instanceof Job)) {
            // the payload carries the text now: do not copy it into every part
            Document document = Document.newBuilder(job.getDocument()).setText("").build();
            job = Job.newBuilder(job).setDocument(document).build();
        }
        return Envelope.newBuilder()
                .setJobId(envelope.jobId())
                .setJob(job)
                .setKind(envelope.kind())
                .setLineage(envelope.lineage().toParts())
                .setTrace(envelope.trace())
                .setPayloadType(payload == null ? null : payload.getClass().getName())
                .setPayload(payload == null ? null : ByteBuffer.wrap(write(writer(payload.getClass()), payload)))
                .setError(envelope.error())
                .setPartial(envelope.partial())
                .build();
    }

    static Flow.Envelope fromAvro(Envelope avro) {
        Object payload = null;
        if (avro.getPayload() != null) {
            ByteBuffer buffer = avro.getPayload();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            payload = read(reader(avro.getPayloadType()), bytes);
        }
        return new Flow.Envelope(avro.getJob(), avro.getKind(), Lineage.fromParts(avro.getLineage()),
                new ArrayList<>(avro.getTrace()), payload, avro.getError(), avro.getPartial(), null);
    }

    static List<Flow.Envelope> parts(GatherState state) {
        List<Flow.Envelope> parts = new ArrayList<>(state.getParts().size());
        for (Envelope part : state.getParts()) {
            parts.add(fromAvro(part));
        }
        return parts;
    }

    @SuppressWarnings("unchecked")
    private static SpecificDatumWriter<Object> writer(Class<?> type) {
        return WRITERS.computeIfAbsent(type, t -> {
            if (!SpecificRecord.class.isAssignableFrom(t)) {
                throw new SerializationException("cannot store or send a " + t.getName()
                        + " between stages: payloads that cross a topic or wait in a gather must be Avro specific records");
            }
            AvroTrust.trust(t);
            return (SpecificDatumWriter<Object>) (SpecificDatumWriter<?>) new SpecificDatumWriter<>(t);
        });
    }

    @SuppressWarnings("unchecked")
    private static SpecificDatumReader<Object> reader(String typeName) {
        return READERS.computeIfAbsent(typeName, name -> {
            try {
                Class<?> type = Class.forName(name, false, EnvelopeCodec.class.getClassLoader());
                if (!SpecificRecord.class.isAssignableFrom(type)) {
                    throw new SerializationException("envelope names payload type " + name
                            + ", which is not an Avro specific record");
                }
                AvroTrust.trust(type);
                return (SpecificDatumReader<Object>) (SpecificDatumReader<?>) new SpecificDatumReader<>(type);
            } catch (ClassNotFoundException e) {
                throw new SerializationException("envelope names payload type " + name + ", which is not on the class path", e);
            }
        });
    }

    private static <T> byte[] write(SpecificDatumWriter<T> writer, T value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(VERSION);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(value, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static <T> T read(SpecificDatumReader<T> reader, byte[] bytes) {
        if (bytes.length == 0 || bytes[0] != VERSION) {
            throw new SerializationException("not a Sluice envelope of format version " + VERSION);
        }
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 1, bytes.length - 1, null);
        try {
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot read a Sluice envelope: " + e, e);
        }
    }
}
