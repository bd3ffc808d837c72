package dev.sluice.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.InMemorySchemaRegistry;
import dev.sluice.serdes.PayloadType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

class PassThroughCopyTest {

    private final AvroSerdes serdes = AvroSerdes.forRegistry(new InMemorySchemaRegistry("pass-through-copy"));
    private final Serde<Job> jobs = serdes.valueSerde(Job.class);
    private final Serde<JobResult> results = serdes.valueSerde(JobResult.class);
    private final PassThroughCopy copy = PassThroughCopy.of(jobs.deserializer(), results.serializer(), "t.results");

    private final Serde<Document> documents = serdes.payloadSerde(PayloadType.of(Document.class));

    private Job job(String jobId, String documentId, String text) {
        Document document = Document.newBuilder().setId(documentId).setText(text).build();
        return Jobs.withPayload(jobId, documents.serializer().serialize("t.jobs", document));
    }

    private List<Job> jobs() {
        Job plain = job("job-1", "doc-1", "plain text");
        Job rich = job("job-2", "doc-2", "Ünïcode 𝔘𝔫𝔦 text, \u00AD soft hyphen\nand lines".repeat(50));
        rich.setAttributes(Map.of("tenant", "a", "trace-id", "0af7651916cd43dd8448eb211c80319c"));
        rich.setTasks(List.of(Jobs.task("split", "size", "400", "overlap", "50"), Jobs.task("embed")));
        rich.setDeadline(Instant.parse("2030-01-01T00:00:00Z"));
        rich.setPriority(-7);
        Job empty = job("job-3", "doc-3", "");
        return List.of(plain, rich, empty);
    }

    private byte[] record(Job job) {
        return jobs.serializer().serialize("t.jobs", job);
    }

    @Test
    void shouldCopyTheJobIntoAResultThatReadsAsTheOrdinaryOne() {
        assertThat(copy).as("on for Sluice's own serdes").isNotNull();
        for (Job job : jobs()) {
            byte[] value = record(job);
            PassThroughCopy.Header header = copy.read(value);
            assertThat(header).as(job.getJobId()).isNotNull();
            JobResult result = results.deserializer().deserialize("t.results", copy.result(header, value, 1_000L));
            JobResult ordinary = JobResult.newBuilder().setJobId(job.getJobId()).setStatus(JobStatus.COMPLETED)
                    .setCompletedAt(Instant.ofEpochMilli(1_000L)).setAttributes(job.getAttributes())
                    .setPayload(job.getPayload()).setPartial(false).setTrace(List.of()).build();
            assertThat(result).isEqualTo(ordinary);
            assertThat(header.submittedAt()).isEqualTo(job.getSubmittedAt());
        }
    }

    @Test
    void shouldLeaveToTheOrdinaryPathWhatItIsNotSureOf() {
        byte[] value = record(jobs().get(1));
        assertThat(copy.read(Arrays.copyOf(value, value.length - 1))).as("truncated").isNull();
        assertThat(copy.read(Arrays.copyOf(value, value.length + 1))).as("a byte left over").isNull();
        assertThat(copy.read(new byte[] {1, 0, 0, 0, 1, 2})).as("another magic byte").isNull();
        byte[] otherId = value.clone();
        otherId[4] ^= 1;
        assertThat(copy.read(otherId)).as("a schema id the registry does not know").isNull();
        assertThat(copy.read(record(job(" ", "doc", "text")))).as("a blank id").isNull();
        assertThat(copy.read(record(Jobs.text("job-4", "doc", "text")))).as("a job written before payloads").isNull();
        // the id's length, 5, as a six-byte number: Avro's decoder reads it, this leaves it to that decoder
        Job first = jobs().get(0);
        byte[] plain = record(first);
        assertThat(plain[5]).isEqualTo((byte) 10);
        byte[] overLong = new byte[plain.length + 5];
        System.arraycopy(plain, 0, overLong, 0, 5);
        System.arraycopy(new byte[] {(byte) 0x8a, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0}, 0, overLong, 5, 6);
        System.arraycopy(plain, 6, overLong, 11, plain.length - 6);
        assertThat(jobs.deserializer().deserialize("t.jobs", overLong)).isEqualTo(first);
        assertThat(copy.read(overLong)).as("an over-long int").isNull();
        assertThat(PassThroughCopy.of(jobs.deserializer(), new JobResultSerializer(), "t.results"))
                .as("another serializer").isNull();
    }

    /**
     * Whatever bytes it accepts, Avro's own decoder accepts too and reads as the job the result carries:
     * the copy is never more lenient than the ordinary path. Checked on many damaged records.
     */
    @Test
    void shouldAcceptNoRecordThatAvroWouldReadDifferentlyOrRefuse() {
        Deserializer<Job> avro = jobs.deserializer();
        Random random = new Random(42);
        int accepted = 0;
        for (Job job : jobs()) {
            byte[] value = record(job);
            for (int i = 0; i < 20_000; i++) {
                byte[] damaged = damage(value, random);
                PassThroughCopy.Header header = copy.read(damaged);
                if (header == null) {
                    continue;
                }
                accepted++;
                Job read;
                try {
                    read = avro.deserialize("t.jobs", damaged);
                } catch (SerializationException e) {
                    throw new AssertionError("copied a record Avro refuses: " + Arrays.toString(damaged), e);
                }
                JobResult result = results.deserializer().deserialize("t.results", copy.result(header, damaged, 1L));
                assertThat(result.getPayload()).isEqualTo(read.getPayload());
                assertThat(result.getJobId()).isEqualTo(read.getJobId());
                assertThat(result.getAttributes()).isEqualTo(read.getAttributes());
                assertThat(header.submittedAt()).isEqualTo(read.getSubmittedAt());
            }
        }
        assertThat(accepted).as("some damage leaves a well-formed job (a changed letter, say)").isPositive();
    }

    /** One to three changed, dropped or added bytes past the header, or the record cut short. */
    private static byte[] damage(byte[] value, Random random) {
        byte[] out = value.clone();
        int changes = 1 + random.nextInt(3);
        for (int c = 0; c < changes; c++) {
            int at = 5 + random.nextInt(out.length - 5);
            switch (random.nextInt(4)) {
                case 0 -> out[at] = (byte) random.nextInt(256);
                case 1 -> out[at] ^= (byte) (1 << random.nextInt(8));
                case 2 -> {
                    List<Byte> bytes = new ArrayList<>();
                    for (byte b : out) {
                        bytes.add(b);
                    }
                    bytes.add(at, (byte) random.nextInt(256));
                    out = new byte[bytes.size()];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = bytes.get(i);
                    }
                }
                default -> out = Arrays.copyOf(out, Math.max(6, at));
            }
        }
        return out;
    }

    /** A serializer of results that is not Sluice's own. */
    private static final class JobResultSerializer implements Serializer<JobResult> {
        @Override
        public byte[] serialize(String topic, JobResult data) {
            return new byte[0];
        }
    }
}
