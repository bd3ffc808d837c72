package dev.sluice.serdes;

import dev.sluice.schemas.Compatibility;
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
 * {@link #scope(String)} returns the registry of a name, creating it on first use. Compatibility
 * rules hold as in a real registry: a subject's rule (BACKWARD by default, as in Confluent's)
 * refuses an incompatible new version.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {

    private static final Map<String, InMemorySchemaRegistry> SCOPES = new ConcurrentHashMap<>();

    private final String name;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, List<Integer>> versionsBySubject = new ConcurrentHashMap<>();
    private final Map<String, Compatibility> rules = new ConcurrentHashMap<>();

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
    public synchronized int register(String subject, Schema schema) {
        int id = idOf(schema);
        Schema known = schemasById.get(id);
        if (known != null && !known.equals(schema)) {
            // about one chance in a billion for two schemas; refuse rather than mix them up
            throw new IllegalStateException("schemas " + known.getFullName() + " and " + schema.getFullName()
                    + " both fingerprint to id " + id + " in " + describe());
        }
        List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new CopyOnWriteArrayList<>());
        if (!versions.contains(id)) {
            Compatibility rule = compatibility(subject);
            List<String> problems = rule.problems(schema, schemas(subject));
            if (!problems.isEmpty()) {
                throw new IncompatibleSchemaException("schema " + schema.getFullName() + " is not " + rule
                        + "-compatible with the versions of " + subject + " in " + describe() + ": "
                        + String.join("; ", problems));
            }
            schemasById.put(id, schema);
            versions.add(id);
        }
        return id;
    }

    @Override
    public List<Schema> schemas(String subject) {
        return versions(subject).stream().map(schemasById::get).toList();
    }

    @Override
    public Compatibility compatibility(String subject) {
        return rules.getOrDefault(subject, Compatibility.BACKWARD);
    }

    @Override
    public void setCompatibility(String subject, Compatibility rule) {
        rules.put(subject, rule);
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
