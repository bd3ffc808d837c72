package dev.sluice.serdes;

import org.apache.kafka.common.errors.SerializationException;

/** Thrown when a record names a schema id that the registry does not know. */
public class UnknownSchemaException extends SerializationException {

    private static final long serialVersionUID = 1L;

    private final int schemaId;

    public UnknownSchemaException(int schemaId, String registry) {
        super("unknown schema id " + schemaId + " in registry " + registry);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }
}
