package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.schemas.Compatibility;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.SchemaHistory;
import dev.sluice.serdes.InMemorySchemaRegistry;
import dev.sluice.serdes.SchemaRegistry;
import dev.sluice.serdes.SchemaRegistryUnavailableException;
import dev.sluice.serdes.UnknownSchemaException;
import dev.sluice.topology.stages.BuiltinStages;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * A registry that goes away while the pipeline runs: jobs whose schema id the instance has read before
 * go on; a job with an id it has not is neither failed nor dead-lettered, but waits and runs once the
 * registry answers again. (RegistryOutageIT shows the same with a real registry that stops.)
 */
class RegistryOutageTest {

    /** An in-memory registry behind a switch, that remembers what it answered as a client's cache does. */
    static final class SwitchedRegistry implements SchemaRegistry {
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry("switched");
        final Set<Integer> answered = ConcurrentHashMap.newKeySet();
        volatile boolean away;

        @Override
        public int register(String subject, Schema schema) {
            int id = registry.register(subject, schema);
            answered.add(id);
            return id;
        }

        @Override
        public Schema schemaById(int id) {
            if (away && !answered.contains(id)) {
                throw new SchemaRegistryUnavailableException("registry is away (test)", null);
            }
            answered.add(id);
            return registry.schemaById(id);
        }

        @Override
        public List<Schema> schemas(String subject) {
            return registry.schemas(subject);
        }

        @Override
        public Compatibility compatibility(String subject) {
            return registry.compatibility(subject);
        }

        @Override
        public void setCompatibility(String subject, Compatibility rule) {
            registry.setCompatibility(subject, rule);
        }

        @Override
        public String describe() {
            return "switched";
        }
    }

    @Test
    void shouldHoldAJobWithAnUnresolvedSchemaIdUntilTheRegistryAnswersAndLetTheOthersGoOn() throws Exception {
        SwitchedRegistry registry = new SwitchedRegistry();
        try (var driver = PipelineTestDriver.builder(BuiltinStages.ingest()).registry(registry).build()) {
            String before = driver.submit("before", "Written while the registry answers.");
            assertThat(driver.result(before).getStatus()).isEqualTo(JobStatus.COMPLETED);
            // another client's writer schema: registered, but never read by this instance
            Schema foreign = new Schema.Parser().parse(SchemaHistory.portable(Job.getClassSchema())
                    .toString().replaceFirst("\"fields\":\\[", "\"fields\":[{\"name\":\"team\",\"type\":\"string\",\"default\":\"\"},"));
            byte[] foreignJob = OlderWritersTest.frame(driver, foreign, "foreign");
            registry.answered.clear();
            registry.answered.add(InMemorySchemaRegistry.idOf(Job.getClassSchema()));

            registry.away = true;
            driver.submitRaw("foreign", foreignJob);
            String known = driver.submit("known", "Its schema id was read before: it does not need the registry.");
            assertThat(driver.result(known).getStatus()).isEqualTo(JobStatus.COMPLETED);
            driver.advanceWallClock(Duration.ofSeconds(5));
            assertThat(driver.results()).extracting(r -> r.getJobId()).doesNotContain("foreign");
            assertThat(driver.deadLetters()).isEmpty();

            registry.away = false;
            driver.advanceWallClock(Duration.ofSeconds(31));
            assertThat(driver.result("foreign").getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(driver.deadLetters()).isEmpty();
            assertThat(driver.results()).extracting(r -> r.getJobId()).containsOnlyOnce("foreign");
        }
    }

    @Test
    void shouldStillDeadLetterAnIdTheRegistrySaysItDoesNotHave() {
        SwitchedRegistry registry = new SwitchedRegistry();
        try (var driver = PipelineTestDriver.builder(BuiltinStages.ingest()).registry(registry).build()) {
            byte[] unknownId = ByteBuffer.allocate(6).put((byte) 0).putInt(424242).put((byte) 2).array();
            driver.submitRaw("unknown-id", unknownId);
            assertThat(driver.result("unknown-id").getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(driver.result("unknown-id").getError().getMessage()).contains("unknown schema id 424242");
            assertThat(driver.deadLetters()).hasSize(1);
        }
        assertThatThrownBy(() -> registry.registry.schemaById(424242))
                .isInstanceOf(UnknownSchemaException.class);
    }
}
