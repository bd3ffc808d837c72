package dev.sluice.topology.internal;

import dev.sluice.schemas.StageError;
import dev.sluice.topology.pipeline.StageDefinition;
import dev.sluice.topology.stage.BatchStage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Runs one batch stage: holds payloads (from any jobs) in store {@code <stage>-buffer} until it has
 * {@code batchSize} of them, or the oldest has waited {@code timeout}, whichever comes first, then
 * calls the stage once for all of them. The buffer is a changelogged store, so a crash loses nothing.
 * If the call throws, every job in the batch fails, or, when the stage's retry policy retries the
 * error, every part waits for its retry; parts that come due together go again as a batch. The
 * buffer keeps each waiting job's original record once, under {@code <job id>|raw} (a part's entry
 * is {@code <job id>|<lineage path>}, digits and dots), so that a job that fails in the batch still
 * sends that record to the dead-letter topic.
 */
final class BatchProcessor extends StageNode {

    private static final String RAW = "|raw";
    private static final byte[] NOTHING = new byte[0];

    private final BatchStage<Object, Object> stage;
    private final String bufferStoreName;
    private KeyValueStore<String, byte[]> buffer;
    private int buffered;
    /** The jobs whose original record the buffer holds: the other parts of a job need not look. */
    private final Set<String> kept = new HashSet<>();
    private long oldestMillis = Long.MAX_VALUE;
    /** The most inputs in one call. */
    private final int size;
    /** The longest an input waits for its batch to fill. */
    private final long lingerMillis;

    /** A batch stage; with a retry policy, its parts wait for their retries in store {@code retryStoreName}, else null. */
    @SuppressWarnings("unchecked")
    BatchProcessor(StageDefinition.Batch definition, String bufferStoreName, String retryStoreName) {
        super(definition, retryStoreName);
        this.stage = (BatchStage<Object, Object>) definition.stage();
        this.size = definition.size();
        this.lingerMillis = definition.linger().toMillis();
        this.bufferStoreName = bufferStoreName;
    }

    @Override
    public void init(ProcessorContext<String, Flow> context) {
        super.init(context);
        this.buffer = context.getStateStore(bufferStoreName);
        try (KeyValueIterator<String, byte[]> it = buffer.all()) {
            while (it.hasNext()) {
                String key = it.next().key;
                if (key.endsWith(RAW)) {
                    kept.add(key.substring(0, key.length() - RAW.length()));
                } else {
                    buffered++;
                }
            }
        }
        if (buffered > 0) {
            oldestMillis = context.currentSystemTimeMs();
        }
        long interval = Math.max(1, Math.min(lingerMillis / 2, 1_000));
        context.schedule(Duration.ofMillis(interval), PunctuationType.WALL_CLOCK_TIME, now -> {
            if (buffered > 0 && now - oldestMillis >= lingerMillis) {
                flush(now);
                held.spill();
            }
        });
    }

    @Override
    public void process(Record<String, Flow> record) {
        if (passedOn(record)) {
            return;
        }
        Flow.Envelope envelope = (Flow.Envelope) record.value();
        String key = envelope.jobId() + "|" + envelope.lineage().path();
        if (buffer.get(key) == null) {
            buffered++;
        }
        buffer.put(key, EnvelopeCodec.encode(envelope));
        if (envelope.raw() != null && kept.add(envelope.jobId())) {
            buffer.put(envelope.jobId() + RAW, EnvelopeCodec.keep(NOTHING, envelope.raw()));
        }
        if (buffered == 1) {
            oldestMillis = context.currentSystemTimeMs();
        }
        if (buffered >= size) {
            flush(context.currentSystemTimeMs());
        }
    }

    private void flush(long now) {
        List<KeyValue<String, byte[]>> entries = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = buffer.all()) {
            it.forEachRemaining(entries::add);
        }
        Map<String, Flow.Raw> raws = new HashMap<>();
        List<Flow.Envelope> parts = new ArrayList<>(entries.size());
        for (KeyValue<String, byte[]> entry : entries) {
            buffer.delete(entry.key);
            if (entry.key.endsWith(RAW)) {
                raws.put(entry.key.substring(0, entry.key.length() - RAW.length()), EnvelopeCodec.unkeep(entry.value).raw());
            } else {
                parts.add(EnvelopeCodec.decode(entry.value));
            }
        }
        List<EnvelopeCodec.Parked> batch = new ArrayList<>(parts.size());
        for (Flow.Envelope part : parts) {
            Flow.Raw raw = raws.get(part.jobId());
            batch.add(new EnvelopeCodec.Parked(raw == null ? part : part.withRaw(raw), 0));
        }
        buffered = 0;
        kept.clear();
        oldestMillis = Long.MAX_VALUE;
        call(batch, now);
    }

    /** Parts that waited for a retry go again as batches of their own, at most a batch's size each. */
    @Override
    void retry(List<EnvelopeCodec.Parked> due, long now) {
        for (int from = 0; from < due.size(); from += size) {
            call(due.subList(from, Math.min(due.size(), from + size)), now);
        }
    }

    /** Calls the stage once for every part of {@code batch} whose job has time left. */
    private void call(List<EnvelopeCodec.Parked> batch, long now) {
        List<EnvelopeCodec.Parked> running = new ArrayList<>(batch.size());
        List<Object> inputs = new ArrayList<>(batch.size());
        for (EnvelopeCodec.Parked parked : batch) {
            Flow.Envelope envelope = parked.envelope();
            Flow.Envelope expired = stoppedOrNull(envelope);
            if (expired != null) {
                // its deadline passed while it waited for the batch: it does not join it
                passed(envelope, 0, 0, null);
                context.forward(new Record<>(envelope.jobId(), expired, now, new RecordHeaders()));
                continue;
            }
            running.add(parked);
            inputs.add(envelope.payload());
        }
        if (running.isEmpty()) {
            return;
        }
        List<Object> outputs = new ArrayList<>();
        Outcome outcome = invoke(running.get(0).envelope(), running.get(0).attempts() + 1, ctx -> {
            List<Object> made = stage.process(inputs);
            if (made == null || made.size() != inputs.size()) {
                throw new IllegalStateException("batch stage returned " + (made == null ? "null" : made.size() + " outputs")
                        + " for " + inputs.size() + " inputs; it must return one output per input, in order");
            }
            for (Object output : made) {
                outputs.add(checked(output));
            }
        });
        // one call for the batch: its other inputs, and its outputs, counted here
        metrics.in(running.size() - 1);
        if (!outcome.failed()) {
            metrics.out(running.size());
        }
        long share = outcome.nanos() / running.size();
        for (int i = 0; i < running.size(); i++) {
            Flow.Envelope envelope = running.get(i).envelope();
            int attempt = running.get(i).attempts() + 1;
            if (outcome.failed() && parkForRetry(envelope, outcome, share, attempt)) {
                continue;
            }
            var trace = envelope.traceWith(definition.name(), outcome.startedAtMillis(), share);
            StageError error = outcome.error();
            Flow.Envelope next = error != null ? envelope.failed(afterAttempts(error, attempt), trace)
                    : envelope.withPayload(outputs.get(i), envelope.lineage(), trace);
            passed(envelope, error != null ? 0 : 1, share, null);
            context.forward(new Record<>(envelope.jobId(), next, now, new RecordHeaders()));
        }
    }
}
