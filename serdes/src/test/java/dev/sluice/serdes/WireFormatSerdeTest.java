package dev.sluice.serdes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.Jobs;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class WireFormatSerdeTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry("test");
    private final Serde<Job> serde = AvroSerdes.forRegistry(registry).valueSerde(Job.class);

    @Test
    void shouldWriteMagicByteSchemaIdAndAvroBody() {
        Job job = Jobs.text("job-1", "doc-1", "hello");
        byte[] bytes = serde.serializer().serialize("sluice.jobs", job);
        assertThat(bytes[0]).isZero();
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(registry.schemaById(id)).isEqualTo(Job.getClassSchema());
        assertThat(registry.versions("sluice.jobs-value")).containsExactly(id);
        assertThat(serde.deserializer().deserialize("sluice.jobs", bytes)).isEqualTo(job);
    }

    @Test
    void shouldGiveOneIdToTheSameSchemaUnderTwoSubjects() {
        Job job = Jobs.text("job-1", "doc-1", "hello");
        byte[] a = serde.serializer().serialize("a.jobs", job);
        byte[] b = serde.serializer().serialize("b.jobs", job);
        assertThat(ByteBuffer.wrap(a, 1, 4).getInt()).isEqualTo(ByteBuffer.wrap(b, 1, 4).getInt());
        assertThat(registry.versions("b.jobs-value")).hasSize(1);
    }

    @Test
    void shouldGiveASchemaTheSameIdInEveryRegistrySoThatTwoProcessesAgree() {
        // two registries of one name stand for two JVMs on mem://NAME: neither sees the other's map
        InMemorySchemaRegistry writer = new InMemorySchemaRegistry("process-a");
        InMemorySchemaRegistry reader = new InMemorySchemaRegistry("process-b");
        byte[] bytes = AvroSerdes.forRegistry(writer).valueSerde(Job.class).serializer()
                .serialize("sluice.jobs", Jobs.text("job-1", "doc-1", "hello"));
        Serde<Job> readerSerde = AvroSerdes.forRegistry(reader).valueSerde(Job.class);

        assertThatThrownBy(() -> readerSerde.deserializer().deserialize("sluice.jobs", bytes))
                .isInstanceOf(UnknownSchemaException.class);
        assertThat(reader.register("sluice.jobs-value", Job.getClassSchema()))
                .isEqualTo(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(InMemorySchemaRegistry.idOf(Job.getClassSchema()));
        assertThat(readerSerde.deserializer().deserialize("sluice.jobs", bytes).getJobId()).isEqualTo("job-1");
        assertThat(InMemorySchemaRegistry.idOf(Job.getClassSchema()))
                .isNotEqualTo(InMemorySchemaRegistry.idOf(JobResult.getClassSchema()));
    }

    @Test
    void shouldReadAJobWrittenWithAnOlderSchemaThatLackedOptionalFields() throws Exception {
        Schema older = new Schema.Parser().parse("""
                {"type":"record","name":"Job","namespace":"dev.sluice.schemas","fields":[
                  {"name":"jobId","type":"string"},
                  {"name":"submittedAt","type":{"type":"long","logicalType":"timestamp-millis"}},
                  {"name":"document","type":{"type":"record","name":"Document","fields":[
                    {"name":"id","type":"string"},{"name":"text","type":"string"}]}}]}""");
        int id = registry.register("sluice.jobs-value", older);
        GenericRecord document = new GenericData.Record(older.getField("document").schema());
        document.put("id", "doc-old");
        document.put("text", "written by an old client");
        GenericRecord record = new GenericData.Record(older);
        record.put("jobId", "job-old");
        record.put("submittedAt", 1_700_000_000_000L);
        record.put("document", document);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(older).write(record, encoder);
        encoder.flush();

        Job job = serde.deserializer().deserialize("sluice.jobs", out.toByteArray());
        assertThat(job.getJobId()).isEqualTo("job-old");
        assertThat(job.getPriority()).isZero();
        assertThat(job.getTasks()).isEmpty();
        assertThat(job.getDocument().getContentType()).isEqualTo("text/plain");
        assertThat(job.getDocument().getText()).isEqualTo("written by an old client");
    }

    @Test
    void shouldExplainBytesThatAreNotTheWireFormat() {
        assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[] {0, 1}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("too short");
        assertThatThrownBy(() -> serde.deserializer().deserialize("t", "{\"json\":1}".getBytes()))
                .hasMessageContaining("magic byte");
        assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[] {0, 0, 0, 0, 9, 1}))
                .isInstanceOf(UnknownSchemaException.class).hasMessageContaining("unknown schema id 9");
    }

    @Test
    void shouldRejectAnUnsupportedRegistryUrl() {
        assertThatThrownBy(() -> AvroSerdes.forUrl("ftp://registry"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mem://");
    }

    @Test
    void shouldShareTheInMemoryRegistryOfAScope() {
        Serde<Job> one = AvroSerdes.forUrl("mem://shared-scope-test").valueSerde(Job.class);
        Serde<Job> two = AvroSerdes.forUrl("mem://shared-scope-test").valueSerde(Job.class);
        Job job = Jobs.text("job-1", "doc-1", "hello");
        assertThat(two.deserializer().deserialize("x", one.serializer().serialize("x", job))).isEqualTo(job);
        InMemorySchemaRegistry.dropScope("shared-scope-test");
    }
}
