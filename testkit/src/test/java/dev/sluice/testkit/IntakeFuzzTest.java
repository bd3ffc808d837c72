package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.schemas.Task;
import dev.sluice.serdes.Result;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stages.Normalize;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Tens of thousands of mutated jobs through the intake: valid Avro jobs with flipped bytes, cut or
 * stretched bodies, lengths and union branches overwritten, random bytes behind a valid header. No
 * stream thread dies, every record ends in exactly one result (a FAILED one with a dead letter when it
 * is not a usable job), and the valid jobs sent between them complete. Seeded: a failure repeats.
 */
class IntakeFuzzTest {

    private static final long SEED = 20261207L;
    private static final int RECORDS = 10_000;
    private static final int CONTROL_EVERY = 500;

    @Test
    void shouldEndEveryMutatedJobInOneResultOrDeadLetterAndLetTheOthersThrough() {
        fuzz(Pipeline.builder("fuzz").stage("normalize", Document.class, Document.class, new Normalize()).build(),
                SEED);
    }

    /** Pass-through mode reads a job's body field by field, without Avro's reader: fuzzed as well. */
    @Test
    void shouldDoTheSameInPassThroughMode() {
        fuzz(Pipeline.passThrough(), SEED + 1);
    }

    private static void fuzz(Pipeline pipeline, long seed) {
        // duplicate ids are checked apart (DuplicateJobTest): here a mutated id that repeats one must still end
        try (var driver = PipelineTestDriver.builder(pipeline).duplicateWindow(Duration.ZERO).build()) {
            Random random = new Random(seed);
            int controls = 0;
            for (int i = 0; i < RECORDS; i++) {
                byte[] valid = driver.topics().jobs().valueSerde().serializer().serialize(driver.topics().jobs().name(),
                        job("fuzz-" + i, random));
                driver.submitRaw("fuzz-" + i, mutate(valid, random));
                if (i % CONTROL_EVERY == 0) {
                    String control = driver.submit(Jobs.text("control-" + i, "doc", "A job between the mutants."));
                    assertThat(driver.result(control).getStatus()).as("control job after record %d", i)
                            .isEqualTo(JobStatus.COMPLETED);
                    controls++;
                }
            }
            var results = driver.results();
            long failed = results.stream().filter(r -> r.getStatus() == JobStatus.FAILED).count();
            assertThat(results).as("one result per record").hasSize(RECORDS + controls);
            assertThat(results).allSatisfy(r -> assertThat(r.getStatus()).isIn(JobStatus.COMPLETED, JobStatus.FAILED));
            assertThat(results).filteredOn(r -> r.getStatus() == JobStatus.FAILED)
                    .allSatisfy(r -> assertThat(r.getError().getMessage()).isNotBlank());
            assertThat(driver.deadLetters()).as("a dead letter per failed job").hasSize((int) failed);
            assertThat(failed).as("most mutants are not usable jobs").isGreaterThan(RECORDS / 2);
        }
    }

    /** A valid job with some of everything a job may carry, so that mutations reach every part of it. */
    private static dev.sluice.schemas.Job job(String id, Random random) {
        var job = Jobs.text(id, "doc-" + id, "Some text to mutate, " + "word ".repeat(random.nextInt(40)));
        job.setAttributes(Map.of("source", "fuzz", "n", Integer.toString(random.nextInt(1000))));
        job.setTasks(List.of(Task.newBuilder().setType("split").setParams(Map.of("size", "200")).build()));
        job.setPriority(random.nextInt(3));
        return job;
    }

    /** One of the ways a record can be wrong, chosen by {@code random}. */
    static byte[] mutate(byte[] valid, Random random) {
        byte[] bytes = valid.clone();
        switch (random.nextInt(8)) {
            case 0 -> { // a few bytes flipped anywhere
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            case 1 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length)); // cut short
            case 2 -> { // stretched with garbage
                bytes = Arrays.copyOf(bytes, bytes.length + 1 + random.nextInt(64));
                for (int i = valid.length; i < bytes.length; i++) {
                    bytes[i] = (byte) random.nextInt(256);
                }
            }
            case 3 -> { // a length, count or union branch overwritten with a large or negative varint
                int at = 5 + random.nextInt(bytes.length - 5);
                bytes[at] = (byte) (random.nextBoolean() ? 0x7F : 0xFF);
                if (at + 1 < bytes.length) {
                    bytes[at + 1] = (byte) random.nextInt(256);
                }
            }
            case 4 -> { // random bytes behind a valid header
                for (int i = 5; i < bytes.length; i++) {
                    bytes[i] = (byte) random.nextInt(256);
                }
            }
            case 5 -> bytes[0] = (byte) (1 + random.nextInt(255)); // not the magic byte
            case 6 -> { // an unknown schema id
                bytes[1] = (byte) random.nextInt(256);
                bytes[4] = (byte) random.nextInt(256);
            }
            default -> { // a run of bytes repeated over another place
                int from = 5 + random.nextInt(bytes.length - 5);
                int to = 5 + random.nextInt(bytes.length - 5);
                int length = Math.min(1 + random.nextInt(16), Math.min(bytes.length - from, bytes.length - to));
                System.arraycopy(valid, from, bytes, to, length);
            }
        }
        return bytes;
    }
}
