package dev.sluice.serdes;

import dev.sluice.serdes.internal.AvroTrust;
import dev.sluice.serdes.internal.WireFormatDeserializer;
import dev.sluice.serdes.internal.WireFormatSerializer;
import io.apicurio.registry.serde.Legacy4ByteIdHandler;
import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Makes Avro serdes in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary),
 * subjects named by the topic-name strategy ({@code <topic>-value}).
 *
 * <p>The registry is chosen by URL: {@code mem://NAME} is the in-memory registry of that scope, for
 * unit tests and the embedded default; {@code http://} or {@code https://} is a real registry
 * through Apicurio's serde (Confluent ids: content ids, 4 bytes, no headers). Every serde it returns
 * is configured already, and each call returns a new instance: use one per topic.
 */
public final class AvroSerdes {

    private final String url;
    private final SchemaRegistry memory;
    private final Map<String, Object> apicurioConfig;

    private AvroSerdes(String url, SchemaRegistry memory, Map<String, Object> apicurioConfig) {
        this.url = url;
        this.memory = memory;
        this.apicurioConfig = apicurioConfig;
    }

    /**
     * Serdes against the registry at {@code url}.
     *
     * @param extra further settings for a real registry's serde ({@code apicurio.registry.*}), may be empty
     * @throws IllegalArgumentException when the URL's scheme is not mem, http or https
     */
    public static AvroSerdes forUrl(String url, Map<String, ?> extra) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("mem://")) {
            String scope = url.substring("mem://".length());
            return new AvroSerdes(url, InMemorySchemaRegistry.scope(scope.isEmpty() ? "default" : scope), null);
        }
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            Map<String, Object> config = new HashMap<>(extra);
            config.put(SerdeConfig.REGISTRY_URL, url);
            config.putIfAbsent(SerdeConfig.AUTO_REGISTER_ARTIFACT, true);
            config.putIfAbsent(SerdeConfig.ENABLE_HEADERS, false);
            config.putIfAbsent(SerdeConfig.USE_ID, "contentId");
            config.putIfAbsent(SerdeConfig.ID_HANDLER, Legacy4ByteIdHandler.class.getName());
            config.putIfAbsent(AvroKafkaSerdeConfig.USE_SPECIFIC_AVRO_READER, true);
            return new AvroSerdes(url, null, Map.copyOf(config));
        }
        throw new IllegalArgumentException("registry URL " + url + " is not supported: use mem://NAME for the"
                + " in-memory registry or http(s)://HOST:PORT/apis/registry/v2 for a real one");
    }

    /** Serdes against an in-memory registry that the caller holds, e.g. in a unit test. */
    public static AvroSerdes forRegistry(SchemaRegistry registry) {
        return new AvroSerdes(registry.describe(), registry, null);
    }

    /** The registry URL these serdes use. */
    public String url() {
        return url;
    }

    /** A new serde for record values of the given Avro specific class. */
    public <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type) {
        return serde(type, false);
    }

    /** A new serde for record keys of the given Avro specific class. */
    public <T extends SpecificRecord> Serde<T> keySerde(Class<T> type) {
        return serde(type, true);
    }

    private <T extends SpecificRecord> Serde<T> serde(Class<T> type, boolean isKey) {
        AvroTrust.trust(type);
        Schema schema = SpecificData.get().getSchema(type);
        if (memory != null) {
            return Serdes.serdeFrom(new WireFormatSerializer<>(memory, schema, isKey),
                    new WireFormatDeserializer<>(memory, schema));
        }
        AvroKafkaSerializer<T> serializer = new AvroKafkaSerializer<>();
        serializer.configure(apicurioConfig, isKey);
        AvroKafkaDeserializer<T> deserializer = new AvroKafkaDeserializer<>();
        Map<String, Object> readerConfig = new HashMap<>(apicurioConfig);
        readerConfig.put(isKey ? SerdeConfig.DESERIALIZER_SPECIFIC_KEY_RETURN_CLASS
                : SerdeConfig.DESERIALIZER_SPECIFIC_VALUE_RETURN_CLASS, type.getName());
        deserializer.configure(readerConfig, isKey);
        return Serdes.serdeFrom((Serializer<T>) serializer, (Deserializer<T>) deserializer);
    }
}
