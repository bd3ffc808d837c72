package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.schemas.Compatibility;
import dev.sluice.schemas.Job;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.InMemorySchemaRegistry;
import dev.sluice.serdes.IncompatibleSchemaException;
import dev.sluice.serdes.SchemaRegistryUnavailableException;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.stages.BuiltinStages;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class SchemaSetupTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry("setup-test");
    private final Map<String, Schema> subjects = SchemaSetup.subjects(
            SluiceTopics.create("setup", AvroSerdes.forRegistry(registry)), BuiltinStages.ingest());

    @Test
    void shouldNameOneSubjectPerTopicByTheTopicNameStrategy() {
        assertThat(subjects).containsOnlyKeys("setup.jobs-value", "setup.jobs.bulk-value", "setup.results-value", "setup.events-value",
                "setup.control-value", "setup.jobs-payload", "setup.jobs.bulk-payload", "setup.results-payload");
    }

    @Test
    void shouldSetTheRuleOnEverySubjectAndRegisterOurSchemas() throws Exception {
        Map<String, Integer> ids = SchemaSetup.prepare(registry, subjects, Compatibility.FULL_TRANSITIVE, Duration.ZERO);
        assertThat(ids.get("setup.jobs-value")).isEqualTo(InMemorySchemaRegistry.idOf(Job.getClassSchema()));
        subjects.keySet().forEach(subject -> {
            assertThat(registry.compatibility(subject)).isEqualTo(Compatibility.FULL_TRANSITIVE);
            assertThat(registry.schemas(subject)).containsExactly(subjects.get(subject));
        });
    }

    @Test
    void shouldRefuseToStartWhenTheRegistryHoldsAnIncompatibleVersion() {
        Schema someoneElses = SchemaBuilder.record("Job").namespace("dev.sluice.schemas").fields()
                .requiredInt("jobId").endRecord();
        registry.register("setup.jobs-value", someoneElses);
        assertThatThrownBy(() -> SchemaSetup.prepare(registry, subjects, Compatibility.FULL_TRANSITIVE, Duration.ZERO))
                .isInstanceOf(IncompatibleSchemaException.class)
                .hasMessageContaining("setup.jobs-value").hasMessageContaining("FULL_TRANSITIVE")
                .hasMessageContaining("TYPE_MISMATCH at /fields/0");
    }

    @Test
    void shouldTryAgainWhileTheRegistryDoesNotAnswerAndThenGiveUpNamingTheSetting() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        assertThat(SchemaSetup.withRegistry(registry, Duration.ofSeconds(30), () -> {
            if (calls.incrementAndGet() < 3) {
                throw new SchemaRegistryUnavailableException("down (test)", null);
            }
            return "answered";
        })).isEqualTo("answered");
        assertThat(calls).hasValue(3);

        assertThatThrownBy(() -> SchemaSetup.withRegistry(registry, Duration.ofMillis(700), () -> {
            throw new SchemaRegistryUnavailableException("still down (test)", null);
        })).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("did not answer within 700 ms (registry.startup.timeout.ms)")
                .hasMessageContaining("still down (test)");
    }
}
