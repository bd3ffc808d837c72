package dev.sluice.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SchemaCompatibilityTest {

    static List<Schema> subjectRecords() {
        return SchemaHistory.SUBJECT_RECORDS;
    }

    @ParameterizedTest
    @MethodSource("subjectRecords")
    void shouldKeepTheCurrentSchemaAsTheLatestReleasedVersion(Schema generated) {
        Schema current = SchemaHistory.portable(generated);
        List<Schema> history = SchemaHistory.versions(current.getName());
        assertThat(history).as("schemas/history/%s/ has no version: add it as v1.avsc:%n%s", current.getName(),
                current.toString(true)).isNotEmpty();
        assertThat(history.get(history.size() - 1))
                .as("the current %s is not the latest in schemas/history/%s/: add it as v%d.avsc:%n%s",
                        current.getName(), current.getName(), history.size() + 1, current.toString(true))
                .isEqualTo(current);
        assertThat(current.toString()).doesNotContain("avro.java");
    }

    @ParameterizedTest
    @MethodSource("subjectRecords")
    void shouldBeCompatibleWithEveryReleasedVersionUnderSluicesRule(Schema current) {
        List<Schema> history = SchemaHistory.versions(current.getName());
        assertThat(Compatibility.SLUICE_DEFAULT.problems(current, history)).isEmpty();
        for (int v = 1; v < history.size(); v++) {
            assertThat(Compatibility.SLUICE_DEFAULT.problems(history.get(v), history.subList(0, v)))
                    .as("%s v%d against the versions before it", current.getName(), v + 1).isEmpty();
        }
    }

    @Test
    void shouldFindARequiredNewFieldAndADroppedRequiredField() {
        Schema old = SchemaBuilder.record("R").fields().requiredString("a").requiredString("b").endRecord();
        Schema addsRequired = SchemaBuilder.record("R").fields().requiredString("a").requiredString("b")
                .requiredString("c").endRecord();
        Schema dropsRequired = SchemaBuilder.record("R").fields().requiredString("a").endRecord();

        assertThat(Compatibility.BACKWARD.problems(addsRequired, List.of(old))).singleElement().asString()
                .contains("the new schema cannot read what version 1 wrote", "READER_FIELD_MISSING_DEFAULT", "c");
        assertThat(Compatibility.FORWARD.problems(addsRequired, List.of(old))).isEmpty();
        assertThat(Compatibility.FORWARD.problems(dropsRequired, List.of(old))).singleElement().asString()
                .contains("version 1 cannot read what the new schema writes", "b");
        assertThat(Compatibility.BACKWARD.problems(dropsRequired, List.of(old))).isEmpty();
        assertThat(Compatibility.FULL.problems(dropsRequired, List.of(old))).hasSize(1);
        assertThat(Compatibility.NONE.problems(dropsRequired, List.of(old))).isEmpty();
    }

    @Test
    void shouldCompareTransitiveRulesWithEveryVersionAndPlainOnesWithTheLatest() {
        Schema v1 = SchemaBuilder.record("R").fields().requiredString("a").endRecord();
        Schema v2 = SchemaBuilder.record("R").fields().optionalString("a").endRecord();
        Schema v3 = SchemaBuilder.record("R").fields().optionalString("a").requiredInt("n").endRecord();

        // v3 cannot read v2's records (no n): both rules see it; v1 only matters to the transitive one
        assertThat(Compatibility.BACKWARD.problems(v3, List.of(v1, v2))).singleElement().asString().contains("version 2");
        assertThat(Compatibility.BACKWARD_TRANSITIVE.problems(v3, List.of(v1, v2))).hasSize(2);
        assertThat(Compatibility.of("full_transitive")).isEqualTo(Compatibility.FULL_TRANSITIVE);
    }
}
