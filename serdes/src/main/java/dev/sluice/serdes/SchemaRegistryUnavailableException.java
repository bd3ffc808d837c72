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

    /**
     * Whether {@code error} is, or was caused by, a registry that is away: e.g. the consumer's
     * {@code RecordDeserializationException} around one, for a record to read again rather than skip.
     */
    public static boolean isCauseOf(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof SchemaRegistryUnavailableException) {
                return true;
            }
        }
        return false;
    }
}
