package dev.sluice.serdes;

import dev.sluice.schemas.Compatibility;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The part of a schema registry that Sluice needs: register a schema under a subject and get its id,
 * look a schema up by id (what the Confluent wire format needs), and keep a subject's compatibility
 * rule and versions (what start-up and {@code sluice schemas} need).
 *
 * <p>Implementations must be thread-safe: Kafka Streams shares one serde among all stream threads.
 */
public interface SchemaRegistry {

    /**
     * Registers {@code schema} under {@code subject} (idempotent) and returns its id.
     *
     * @throws IncompatibleSchemaException when the subject's rule refuses it
     * @throws SchemaRegistryUnavailableException when the registry cannot be reached
     */
    int register(String subject, Schema schema);

    /**
     * Returns the schema with the given id.
     *
     * @throws UnknownSchemaException when the registry has no schema with that id
     * @throws SchemaRegistryUnavailableException when the registry cannot be reached and has not
     *     answered for this id before
     */
    Schema schemaById(int id);

    /** The schemas registered under {@code subject}, oldest first; empty when there is no such subject. */
    List<Schema> schemas(String subject);

    /** The compatibility rule that applies to {@code subject}: its own, else the registry's default. */
    Compatibility compatibility(String subject);

    /** Sets the compatibility rule of {@code subject}, which need not have any version yet. */
    void setCompatibility(String subject, Compatibility rule);

    /** A readable description for messages, e.g. {@code mem://default} or the URL without credentials. */
    String describe();
}
