package dev.sluice.serdes;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;

/**
 * A schema registry held in memory, for unit tests and the embedded default ({@code mem://NAME}).
 *
 * <p>Ids start at 1 and are given per distinct schema, as Confluent's registry does: the same
 * schema registered under two subjects gets one id. Registries are scoped by name so that a
 * pipeline and a client in the same JVM share one; {@link #scope(String)} returns the registry of
 * a name, creating it on first use.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {

    private static final Map<String, InMemorySchemaRegistry> SCOPES = new ConcurrentHashMap<>();

    private final String name;
    private final Map<Schema, Integer> idsBySchema = new ConcurrentHashMap<>();
    private final List<Schema> schemasById = new CopyOnWriteArrayList<>();
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

    @Override
    public int register(String subject, Schema schema) {
        int id;
        synchronized (this) {
            id = idsBySchema.computeIfAbsent(schema, s -> {
                schemasById.add(s);
                return schemasById.size();
            });
        }
        List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new CopyOnWriteArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    @Override
    public Schema schemaById(int id) {
        if (id < 1 || id > schemasById.size()) {
            throw new UnknownSchemaException(id, describe());
        }
        return schemasById.get(id - 1);
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
