package dev.sluice.topology.internal;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.internal.WireFormat;
import dev.sluice.serdes.internal.WireFormatDeserializer;
import dev.sluice.serdes.internal.WireFormatSerializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.Encoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Pass-through mode's result for a job, made without decoding the whole job. A job written with our
 * own Job schema is checked field by field for a well-formed Avro body (every length, union branch and
 * enum symbol in range, nothing left over), but only its id, submission time and attributes are
 * decoded; the result then carries the job's payload as it came, byte for byte. The result reads
 * exactly as the one the ordinary path makes by decoding the job and encoding the result, for a
 * fraction of the work: copying the payload's bytes is most of what a pass-through does.
 *
 * <p>Any record it is not sure of (another writer schema, a body it finds malformed, a blank id, a job
 * written before payloads) it leaves to the ordinary path, which gives the same result or the same clear error as before. It
 * works with Sluice's own wire-format serdes (the {@code mem://} registries); with others it is off.
 */
final class PassThroughCopy {

    /** The Job fields read, in the order the schema has them; the rest of the body is only checked. */
    private static final List<String> HEADER_FIELDS = List.of("jobId", "submittedAt", "priority", "deadline",
            "attributes");
    /** The last field of a Job, and a field of a JobResult: the payload, copied from one to the other. */
    private static final String PAYLOAD = "payload";
    private static final Schema BYTES = Schema.create(Schema.Type.BYTES);

    private final WireFormatDeserializer<Job> jobs;
    private final int resultSchemaId;
    private final List<Schema.Field> rest;
    private final Splicing writer;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    private BinaryEncoder encoder;

    /**
     * What the result needs of a job: read from its record, the payload left as bytes (from
     * {@code payloadStart} to {@code payloadEnd} of the record: its Avro length, then the bytes).
     */
    record Header(String jobId, Instant submittedAt, Map<String, String> attributes, int payloadStart,
                  int payloadEnd) {
    }

    private PassThroughCopy(WireFormatDeserializer<Job> jobs, int resultSchemaId, List<Schema.Field> rest,
                            Splicing writer) {
        this.jobs = jobs;
        this.resultSchemaId = resultSchemaId;
        this.rest = rest;
        this.writer = writer;
    }

    /**
     * The copier for jobs read by {@code jobs} and results written by {@code results} to
     * {@code resultsTopic}, or null when either is not Sluice's own wire-format serde, or the schemas are
     * not the ones this class knows (then every job takes the ordinary path).
     */
    static PassThroughCopy of(Deserializer<Job> jobs, Serializer<JobResult> results, String resultsTopic) {
        if (!(jobs instanceof WireFormatDeserializer<Job> reader)
                || !(results instanceof WireFormatSerializer<JobResult> resultWriter)
                || !reader.readerSchema().equals(Job.getClassSchema())
                || !resultWriter.schema().equals(JobResult.getClassSchema())) {
            return null;
        }
        List<Schema.Field> fields = Job.getClassSchema().getFields();
        if (!readsAsExpected(fields)) {
            return null;
        }
        Schema.Field payload = JobResult.getClassSchema().getField(PAYLOAD);
        if (payload == null || !isNullOrBytes(payload.schema())) {
            return null;
        }
        return new PassThroughCopy(reader, resultWriter.schemaId(resultsTopic),
                fields.subList(HEADER_FIELDS.size(), fields.size() - 1), new Splicing(payload.pos(), 1));
    }

    private static boolean isNullOrBytes(Schema schema) {
        return schema.getType() == Schema.Type.UNION && schema.getTypes().size() == 2
                && schema.getTypes().get(0).getType() == Schema.Type.NULL
                && schema.getTypes().get(1).getType() == Schema.Type.BYTES;
    }

    /**
     * Whether the Job schema starts with the fields {@link #read} reads, of the types it reads them as,
     * and ends with the payload.
     */
    private static boolean readsAsExpected(List<Schema.Field> fields) {
        List<String> names = fields.stream().limit(HEADER_FIELDS.size()).map(Schema.Field::name).toList();
        Schema.Field last = fields.get(fields.size() - 1);
        if (!names.equals(HEADER_FIELDS) || !last.name().equals(PAYLOAD) || !isNullOrBytes(last.schema())) {
            return false;
        }
        Schema deadline = fields.get(3).schema();
        Schema attributes = fields.get(4).schema();
        return fields.get(0).schema().getType() == Schema.Type.STRING
                && fields.get(1).schema().getType() == Schema.Type.LONG
                && fields.get(2).schema().getType() == Schema.Type.INT
                && deadline.getType() == Schema.Type.UNION && deadline.getTypes().size() == 2
                && deadline.getTypes().get(0).getType() == Schema.Type.NULL
                && deadline.getTypes().get(1).getType() == Schema.Type.LONG
                && attributes.getType() == Schema.Type.MAP
                && attributes.getValueType().getType() == Schema.Type.STRING;
    }

    /**
     * The header of the job in {@code value}, or null when the record must take the ordinary path: it
     * is not in our wire format with our Job schema, or its body is not one well-formed Job.
     */
    Header read(byte[] value) {
        if (value.length < WireFormat.HEADER_SIZE || value[0] != WireFormat.MAGIC) {
            return null;
        }
        if (!jobs.readsUnchanged(WireFormat.schemaId(value))) {
            return null;
        }
        try {
            AvroScanner in = new AvroScanner(value, WireFormat.HEADER_SIZE);
            String jobId = in.readString();
            Instant submittedAt = Instant.ofEpochMilli(in.readLong());
            in.readInt(); // priority
            int deadline = in.readIndex(2);
            if (deadline == 1) {
                in.readLong();
            }
            Map<String, String> attributes = new HashMap<>();
            for (long n = in.readBlockCount(); n != 0; n = in.readBlockCount()) {
                for (long i = 0; i < n; i++) {
                    attributes.put(in.readString(), in.readString());
                }
            }
            for (Schema.Field field : rest) {
                in.skip(field.schema());
            }
            if (in.readIndex(2) == 0) {
                return null; // written before payloads: the ordinary path makes its document the payload
            }
            int payloadStart = in.position();
            in.skip(BYTES);
            int payloadEnd = in.position();
            if (!in.atEnd() || jobId.isBlank()) {
                return null;
            }
            return new Header(jobId, submittedAt, attributes, payloadStart, payloadEnd);
        } catch (AvroScanner.Malformed e) {
            return null;
        }
    }

    /** The COMPLETED result of the job {@code header} was read from, in the wire format, its payload as output. */
    byte[] result(Header header, byte[] value, long completedAtMillis) {
        JobResult result = JobResult.newBuilder()
                .setJobId(header.jobId())
                .setStatus(JobStatus.COMPLETED)
                .setCompletedAt(Instant.ofEpochMilli(completedAtMillis))
                .setAttributes(header.attributes())
                .setPartial(false)
                .setTrace(List.of())
                .build();
        out.reset();
        WireFormat.writeHeader(out, resultSchemaId);
        try {
            encoder = EncoderFactory.get().directBinaryEncoder(out, encoder);
            writer.write(result, encoder, value, header.payloadStart(), header.payloadEnd() - header.payloadStart());
            encoder.flush();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a result to memory", e);
        }
        return out.toByteArray();
    }

    /** Writes a JobResult whose payload field is a job's, given as its Avro encoding (length, then bytes). */
    private static final class Splicing extends SpecificDatumWriter<JobResult> {

        private final int outputPos;
        private final int jobBranch;
        private byte[] body;
        private int offset;
        private int length;

        Splicing(int outputPos, int jobBranch) {
            super(JobResult.getClassSchema());
            this.outputPos = outputPos;
            this.jobBranch = jobBranch;
        }

        void write(JobResult result, Encoder out, byte[] jobBody, int jobOffset, int jobLength) throws IOException {
            this.body = jobBody;
            this.offset = jobOffset;
            this.length = jobLength;
            try {
                write(result, out);
            } finally {
                this.body = null;
            }
        }

        @Override
        protected void writeField(Object datum, Schema.Field f, Encoder out, Object state) throws IOException {
            if (datum instanceof JobResult && f.pos() == outputPos) {
                out.writeIndex(jobBranch);
                out.writeFixed(body, offset, length);
                return;
            }
            super.writeField(datum, f, out, state);
        }
    }

    /** Reads Avro's binary encoding from an array, as strictly as Avro's own decoder or more. */
    static final class AvroScanner {

        /** The body is not well-formed Avro for the schema. */
        static final class Malformed extends Exception {
            Malformed(String message) {
                super(message, null, false, false);
            }
        }

        private final byte[] buf;
        private int pos;

        AvroScanner(byte[] buf, int pos) {
            this.buf = buf;
            this.pos = pos;
        }

        boolean atEnd() {
            return pos == buf.length;
        }

        int position() {
            return pos;
        }

        long readLong() throws Malformed {
            long raw = varint(10);
            return (raw >>> 1) ^ -(raw & 1);
        }

        /** An int as Avro encodes it: at most five bytes, nothing past 32 bits. */
        int readInt() throws Malformed {
            long raw = varint(5);
            if (raw >>> 32 != 0) {
                throw new Malformed("int out of range");
            }
            int n = (int) raw;
            return (n >>> 1) ^ -(n & 1);
        }

        /** The raw bits of a variable-length number of at most {@code maxBytes} bytes, still zig-zagged. */
        private long varint(int maxBytes) throws Malformed {
            long raw = 0;
            for (int i = 0; i < maxBytes; i++) {
                if (pos >= buf.length) {
                    throw new Malformed("truncated");
                }
                int b = buf[pos++] & 0xff;
                raw |= (long) (b & 0x7f) << (7 * i);
                if (b < 0x80) {
                    return raw;
                }
            }
            throw new Malformed("number longer than " + maxBytes + " bytes");
        }

        int readIndex(int branches) throws Malformed {
            int index = readInt();
            if (index < 0 || index >= branches) {
                throw new Malformed("index " + index + " out of range");
            }
            return index;
        }

        /** An array or map block's item count; 0 ends the array or map. */
        long readBlockCount() throws Malformed {
            long count = readLong();
            if (count < 0) {
                readLong(); // the block's size in bytes
                count = -count;
            }
            if (count < 0 || count > buf.length) {
                throw new Malformed("block of " + count + " items");
            }
            return count;
        }

        String readString() throws Malformed {
            int length = length();
            String s = new String(buf, pos, length, StandardCharsets.UTF_8);
            pos += length;
            return s;
        }

        private int length() throws Malformed {
            int length = readInt();
            if (length < 0 || length > buf.length - pos) {
                throw new Malformed("length " + length + " past the end");
            }
            return length;
        }

        private void advance(int n) throws Malformed {
            if (n > buf.length - pos) {
                throw new Malformed("truncated");
            }
            pos += n;
        }

        void skip(Schema schema) throws Malformed {
            switch (schema.getType()) {
                case NULL -> { }
                case BOOLEAN -> advance(1);
                case INT -> readInt();
                case LONG -> readLong();
                case FLOAT -> advance(4);
                case DOUBLE -> advance(8);
                case STRING, BYTES -> advance(length());
                case FIXED -> advance(schema.getFixedSize());
                case ENUM -> readIndex(schema.getEnumSymbols().size());
                case UNION -> skip(schema.getTypes().get(readIndex(schema.getTypes().size())));
                case RECORD -> {
                    for (Schema.Field field : schema.getFields()) {
                        skip(field.schema());
                    }
                }
                case ARRAY -> {
                    for (long n = readBlockCount(); n != 0; n = readBlockCount()) {
                        for (long i = 0; i < n; i++) {
                            skip(schema.getElementType());
                        }
                    }
                }
                case MAP -> {
                    for (long n = readBlockCount(); n != 0; n = readBlockCount()) {
                        for (long i = 0; i < n; i++) {
                            advance(length());
                            skip(schema.getValueType());
                        }
                    }
                }
                default -> throw new Malformed("unexpected type " + schema.getType());
            }
        }
    }
}
