package dev.sluice.serdes;

import dev.sluice.serdes.internal.AvroTrust;
import dev.sluice.serdes.internal.WireFormat;
import dev.sluice.serdes.internal.WireFormatDeserializer;
import dev.sluice.serdes.internal.WireFormatSerializer;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Makes Avro serdes in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary),
 * subjects named by the topic-name strategy ({@code <topic>-value}).
 *
 * <p>The registry is chosen by URL: {@code mem://NAME} is the in-memory registry of that scope, for
 * unit tests and the embedded default; {@code http://} or {@code https://} is a registry with
 * Confluent's REST API (Confluent Schema Registry, or Apicurio Registry's {@code /apis/ccompat/v7}).
 * All serdes of one {@code AvroSerdes} share one registry client and its cache of ids. Each call
 * returns a new serde: use one per topic.
 */
public final class AvroSerdes {

    private final SchemaRegistry registry;

    private AvroSerdes(SchemaRegistry registry) {
        this.registry = registry;
    }

    /**
     * Serdes against the registry at {@code url}.
     *
     * @throws IllegalArgumentException when the URL's scheme is not mem, http or https, or it names
     *     Apicurio's own API rather than its Confluent-compatible one
     */
    public static AvroSerdes forUrl(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("mem://")) {
            String scope = url.substring("mem://".length());
            return new AvroSerdes(InMemorySchemaRegistry.scope(scope.isEmpty() ? "default" : scope));
        }
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            return new AvroSerdes(HttpSchemaRegistry.create(url));
        }
        throw new IllegalArgumentException("registry URL " + url + " is not supported: use mem://NAME for the"
                + " in-memory registry or the http(s) URL of a Confluent-compatible registry API, e.g."
                + " http://localhost:8080/apis/ccompat/v7 for Apicurio Registry");
    }

    /** Serdes against a registry that the caller holds, e.g. an in-memory one in a unit test. */
    public static AvroSerdes forRegistry(SchemaRegistry registry) {
        return new AvroSerdes(registry);
    }

    /** The registry these serdes use. */
    public SchemaRegistry registry() {
        return registry;
    }

    /** The registry these serdes use, as a readable string (no credentials). */
    public String url() {
        return registry.describe();
    }

    /** A new serde for record values of the given Avro specific class. */
    public <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type) {
        return serde(type, false);
    }

    /** A new serde for record keys of the given Avro specific class. */
    public <T extends SpecificRecord> Serde<T> keySerde(Class<T> type) {
        return serde(type, true);
    }

    /**
     * A new serde for payloads of {@code type}, the records inside an envelope's {@code payload} field:
     * called with the envelope's topic, it registers under {@code <topic>-payload}.
     */
    public <T> Serde<T> payloadSerde(PayloadType<T> type) {
        return Serdes.serdeFrom(new WireFormatSerializer<>(registry, type, WireFormat.PAYLOAD_SUFFIX),
                new WireFormatDeserializer<>(registry, type));
    }

    private <T extends SpecificRecord> Serde<T> serde(Class<T> type, boolean isKey) {
        AvroTrust.trust(type);
        Schema schema = SpecificData.get().getSchema(type);
        return Serdes.serdeFrom(new WireFormatSerializer<>(registry, schema, isKey),
                new WireFormatDeserializer<>(registry, schema));
    }
}
