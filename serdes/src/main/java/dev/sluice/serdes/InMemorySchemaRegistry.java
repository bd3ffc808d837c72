package dev.sluice.serdes;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * A schema registry held in memory, for unit tests and the embedded default ({@code mem://NAME}).
 *
 * <p>A schema's id is derived from its full text (a 64-bit Rabin fingerprint folded to a positive
 * int), so the same schema gets the same id under every subject, as in Confluent's registry, and in
 * every process: two JVMs on {@code mem://NAME} that both registered a schema agree on its id and
 * can read each other's records. A process can still only resolve the ids it registered itself.
 * Registries are scoped by name so that a pipeline and a client in the same JVM share one;
 * {@link #scope(String)} returns the registry of a name, creating it on first use.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {

    private static final Map<String, InMemorySchemaRegistry> SCOPES = new ConcurrentHashMap<>();

    private final String name;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, List<Integer>> versionsBySubject = new ConcurrentHashMap<>();

    public InMemorySchemaRegistry(String name) {
        this.name = name;
    }

    /** The shared registry of the given scope name (the part after {@code mem://}). */
    public static InMemorySchemaRegistry scope(String name) {
        return SCOPES.computeIfAbsent(name, InMemorySchemaRegistry::new);
    }

    /** Forgets the shared registry of a scope, for tests that want a fresh one. */
    public static void dropScope(String name) {
        SCOPES.remove(name);
    }

    /** The id any in-memory registry gives {@code schema}: positive, and the same in every process. */
    public static int idOf(Schema schema) {
        long fingerprint = SchemaNormalization.fingerprint64(schema.toString().getBytes(StandardCharsets.UTF_8));
        int id = (int) (fingerprint ^ (fingerprint >>> 32)) & Integer.MAX_VALUE;
        return id == 0 ? 1 : id;
    }

    @Override
    public int register(String subject, Schema schema) {
        int id = idOf(schema);
        Schema known = schemasById.putIfAbsent(id, schema);
        if (known != null && !known.equals(schema)) {
            // about one chance in a billion for two schemas; refuse rather than mix them up
            throw new IllegalStateException("schemas " + known.getFullName() + " and " + schema.getFullName()
                    + " both fingerprint to id " + id + " in " + describe());
        }
        List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new CopyOnWriteArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    @Override
    public Schema schemaById(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw new UnknownSchemaException(id, describe());
        }
        return schema;
    }

    /** The ids registered under a subject, oldest first. */
    public List<Integer> versions(String subject) {
        return List.copyOf(versionsBySubject.getOrDefault(subject, List.of()));
    }

    @Override
    public String describe() {
        return "mem://" + name;
    }
}
