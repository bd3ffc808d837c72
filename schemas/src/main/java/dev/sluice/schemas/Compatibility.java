package dev.sluice.schemas;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.SchemaCompatibility;

/**
 * A schema registry's compatibility rule, with the names Confluent's registry (and Apicurio's
 * Confluent-compatible API) gives them, checked here with Avro's own {@link SchemaCompatibility}.
 *
 * <p>BACKWARD: a reader with the new schema reads data written with the old one. FORWARD: a reader
 * with an old schema reads data written with the new one. FULL: both. The plain rules compare with
 * the latest version only, the {@code _TRANSITIVE} ones with every version.
 *
 * <p>Sluice's subjects take {@link #SLUICE_DEFAULT}, FULL_TRANSITIVE: jobs are written by other
 * teams' producers and read by Sluice, results the other way round, both sides upgrade on their own
 * schedule (and instances of two Sluice versions share a pipeline during a rolling upgrade), and a
 * topic's retention or a dead-letter replay hands a reader records of any earlier version.
 */
public enum Compatibility {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    /** The rule Sluice sets on its subjects unless told otherwise. */
    public static final Compatibility SLUICE_DEFAULT = FULL_TRANSITIVE;

    /**
     * The rule of a name, in any case.
     *
     * @throws IllegalArgumentException naming the rules there are
     */
    public static Compatibility of(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("no compatibility rule " + name + ": one of "
                    + Arrays.toString(values()), e);
        }
    }

    /**
     * Why {@code candidate} may not be registered after {@code versions} (oldest first) under this rule:
     * one line per version and direction that fails, naming the version (1 for the oldest) and what
     * Avro found; empty when it may.
     */
    public List<String> problems(Schema candidate, List<Schema> versions) {
        List<String> problems = new ArrayList<>();
        if (this == NONE || versions.isEmpty()) {
            return problems;
        }
        boolean transitive = name().endsWith("_TRANSITIVE");
        boolean backward = name().startsWith("BACKWARD") || name().startsWith("FULL");
        boolean forward = name().startsWith("FORWARD") || name().startsWith("FULL");
        for (int i = transitive ? 0 : versions.size() - 1; i < versions.size(); i++) {
            Schema old = versions.get(i);
            if (backward) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, old),
                        "the new schema cannot read what version " + (i + 1) + " wrote", problems);
            }
            if (forward) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(old, candidate),
                        "version " + (i + 1) + " cannot read what the new schema writes", problems);
            }
        }
        return problems;
    }

    private static void describe(SchemaPairCompatibility pair, String what, List<String> problems) {
        if (pair.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        List<String> reasons = new ArrayList<>();
        for (Incompatibility incompatibility : pair.getResult().getIncompatibilities()) {
            reasons.add(incompatibility.getType() + " at " + incompatibility.getLocation() + ": "
                    + incompatibility.getMessage());
        }
        problems.add(what + ": " + String.join("; ", reasons));
    }
}
