package dev.sluice.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.Jobs;
import dev.sluice.schemas.StageError;
import dev.sluice.schemas.internal.EnvelopeKind;
import dev.sluice.schemas.internal.GatherState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The store entries that carry a waiting job's original record. */
class EnvelopeCodecTest {

    private static final Flow.Raw RAW = new Flow.Raw("job-1".getBytes(StandardCharsets.UTF_8), new byte[] {0, 0, 0, 0, 7, 2, 4},
            new ErrorHeaders.SourcePosition("sluice.jobs", 2, 41L));

    private static Flow.Envelope envelope(Flow.Raw raw) {
        var job = Jobs.text("job-1", "doc", "some text");
        return Flow.Envelope.start(job, job.getDocument(), raw, List.of());
    }

    private static byte[] state() {
        return EnvelopeCodec.encodeState(GatherState.newBuilder().setExpected(3).setFirstSeenAt(1_000L)
                .setArrived(ByteBuffer.wrap(new byte[] {5})).build());
    }

    @Test
    void shouldStoreAGenericRecordWithItsSchemaAndASpecificOneByItsClass() {
        Schema schema = SchemaBuilder.record("Order").namespace("com.example.shop").fields()
                .requiredString("id").requiredInt("lines").endRecord();
        GenericRecord order = new GenericRecordBuilder(schema).set("id", "o-1").set("lines", 3).build();
        var job = Jobs.text("job-1", "doc", "");
        Flow.Envelope generic = EnvelopeCodec.decode(EnvelopeCodec.encode(Flow.Envelope.start(job, order, null, List.of())));
        assertThat(generic.payload()).isEqualTo(order);
        assertThat(((GenericRecord) generic.payload()).getSchema()).isEqualTo(schema);
        Flow.Envelope specific = EnvelopeCodec.decode(EnvelopeCodec.encode(envelope(null)));
        assertThat(specific.payload()).isInstanceOf(Document.class).isEqualTo(envelope(null).payload());
    }

    @Test
    void shouldKeepTheRecordWithAnEntryAndGiveBothBack() {
        byte[] state = state();
        EnvelopeCodec.Kept kept = EnvelopeCodec.unkeep(EnvelopeCodec.keep(state, RAW));
        assertThat(kept.encoded()).isEqualTo(state);
        assertThat(EnvelopeCodec.decodeState(kept.encoded()).getExpected()).isEqualTo(3);
        assertThat(kept.raw().key()).isEqualTo(RAW.key());
        assertThat(kept.raw().value()).isEqualTo(RAW.value());
        assertThat(kept.raw().position()).isEqualTo(RAW.position());
    }

    @Test
    void shouldKeepARecordWithNoEntryNoKeyAndNoPosition() {
        Flow.Raw bare = new Flow.Raw(null, new byte[] {1, 2}, null);
        EnvelopeCodec.Kept kept = EnvelopeCodec.unkeep(EnvelopeCodec.keep(new byte[0], bare));
        assertThat(kept.encoded()).isEmpty();
        assertThat(kept.raw().key()).isNull();
        assertThat(kept.raw().value()).containsExactly(1, 2);
        assertThat(kept.raw().position()).isNull();
    }

    @Test
    void shouldReadAnEntryWithoutARecordAsItIs() {
        // what a store holds when no record was known, and what stores held before records were kept
        byte[] state = state();
        assertThat(EnvelopeCodec.keep(state, null)).isSameAs(state);
        EnvelopeCodec.Kept kept = EnvelopeCodec.unkeep(state);
        assertThat(kept.encoded()).isSameAs(state);
        assertThat(kept.raw()).isNull();
    }

    @Test
    void shouldRefuseAKeptEntryCutShort() {
        byte[] whole = EnvelopeCodec.keep(state(), RAW);
        assertThatThrownBy(() -> EnvelopeCodec.unkeep(Arrays.copyOf(whole, whole.length - 3)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("cut short");
        assertThatThrownBy(() -> EnvelopeCodec.unkeep(new byte[] {2, -1, -1, -1, -1}))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void shouldKeepTheRecordAndAttemptsOfAPartWaitingForARetry() {
        EnvelopeCodec.Parked parked = EnvelopeCodec.decodeRetry(EnvelopeCodec.encodeRetry(envelope(RAW), 2));
        assertThat(parked.attempts()).isEqualTo(2);
        assertThat(parked.envelope().jobId()).isEqualTo("job-1");
        assertThat(parked.envelope().raw().value()).isEqualTo(RAW.value());
        assertThat(parked.envelope().raw().position()).isEqualTo(RAW.position());

        Flow.Envelope without = EnvelopeCodec.decodeRetry(EnvelopeCodec.encodeRetry(envelope(null), 1)).envelope();
        assertThat(without.raw()).isNull();
    }

    @Test
    void shouldReadACancelledOrExpiredPartStoredAsFailedBeforeTheyWereKindsOfTheirOwn() {
        Flow.Envelope part = envelope(null);
        StageError cancel = StageError.newBuilder().setStage("embed").setErrorClass(Cancellations.ERROR_CLASS)
                .setMessage("cancelled").setAttempts(0).build();
        StageError expiry = StageError.newBuilder(cancel).setErrorClass(Deadlines.ERROR_CLASS).build();
        StageError failure = StageError.newBuilder(cancel).setErrorClass("java.io.IOException").build();

        assertThat(EnvelopeCodec.decode(EnvelopeCodec.encode(part.failed(cancel, List.of()))).kind())
                .isEqualTo(EnvelopeKind.CANCELLED);
        assertThat(EnvelopeCodec.decode(EnvelopeCodec.encode(part.failed(expiry, List.of()))).kind())
                .isEqualTo(EnvelopeKind.EXPIRED);
        assertThat(EnvelopeCodec.decode(EnvelopeCodec.encode(part.failed(failure, List.of()))).kind())
                .isEqualTo(EnvelopeKind.FAILED);
        assertThat(EnvelopeCodec.decode(EnvelopeCodec.encode(part.cancelled(cancel, List.of()))).ended()).isTrue();
    }
}
