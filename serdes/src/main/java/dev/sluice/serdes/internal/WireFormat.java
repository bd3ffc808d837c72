package dev.sluice.serdes.internal;

import java.io.ByteArrayOutputStream;

/** Constants of the Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then the Avro binary body. */
public final class WireFormat {

    public static final byte MAGIC = 0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    /** The schema id in the header of {@code record}, which must be at least {@link #HEADER_SIZE} bytes. */
    public static int schemaId(byte[] record) {
        return ((record[1] & 0xff) << 24) | ((record[2] & 0xff) << 16) | ((record[3] & 0xff) << 8) | (record[4] & 0xff);
    }

    /** Writes the header of a record with schema {@code id}: the magic byte and the id, big-endian. */
    public static void writeHeader(ByteArrayOutputStream out, int id) {
        out.write(MAGIC);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
    }

    /** What names a topic's payload subject: {@code <topic>-payload}. */
    public static final String PAYLOAD_SUFFIX = "-payload";

    /** The subject of the payloads that the envelopes on {@code topic} carry ({@code <topic>-payload}). */
    public static String payloadSubject(String topic) {
        return topic + PAYLOAD_SUFFIX;
    }

    /** The subject a schema is registered under with the topic-name strategy. */
    public static String subject(String topic, boolean isKey) {
        return topic + (isKey ? "-key" : "-value");
    }
}
