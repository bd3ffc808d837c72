package dev.sluice.serdes;

import org.apache.kafka.common.errors.SerializationException;

/** Thrown when a registry refuses a schema under a subject because of the subject's compatibility rule. */
public class IncompatibleSchemaException extends SerializationException {

    private static final long serialVersionUID = 1L;

    public IncompatibleSchemaException(String message) {
        super(message);
    }
}
