package dev.sluice.serdes;

import org.apache.kafka.common.errors.RetriableException;

/**
 * Thrown when the schema registry cannot answer now (not reachable, timed out, or a server error):
 * the same request may succeed later. Not a {@link org.apache.kafka.common.errors.SerializationException}:
 * the record is not at fault, and must not be treated as unreadable.
 */
public class SchemaRegistryUnavailableException extends RetriableException {

    private static final long serialVersionUID = 1L;

    public SchemaRegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
