package dev.sluice.serdes;

import org.apache.avro.Schema;

/**
 * The part of a schema registry that the Confluent wire format needs: register a schema under a
 * subject and get its id, and look a schema up by id.
 *
 * <p>Implementations must be thread-safe: Kafka Streams shares one serde among all stream threads.
 */
public interface SchemaRegistry {

    /** Registers {@code schema} under {@code subject} (idempotent) and returns its global id. */
    int register(String subject, Schema schema);

    /**
     * Returns the schema with the given id.
     *
     * @throws UnknownSchemaException when the registry has no schema with that id
     */
    Schema schemaById(int id);

    /** A readable description for error messages, e.g. {@code mem://default}. */
    String describe();
}
