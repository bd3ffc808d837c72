package dev.sluice.topology.internal;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobEventType;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.schemas.StageError;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.SchemaRegistryUnavailableException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first processor: reads a job's raw record from the source topic, checks it, and sends it
 * through the stages as an envelope. A record that is not a usable job never
 * reaches a stage: it gets a FAILED result (keyed by its record key, since it may have no job id)
 * and goes to the dead-letter topic, and the next record runs. A job whose id was accepted within
 * the duplicate window goes to the dead-letter topic without a result of its own. A record whose
 * schema id the registry could not be asked about (it is away) is neither: it waits in
 * {@link RegistryWaits} and is read again later.
 */
final class IntakeProcessor implements Processor<byte[], byte[], String, Flow> {

    private static final Logger log = LoggerFactory.getLogger(IntakeProcessor.class);
    /** The most records one punctuation takes from the registry waits at a time. */
    private static final int WAIT_CHUNK = 100;
    private static final long WAIT_BUDGET_NANOS = Duration.ofMillis(200).toNanos();

    static final String STAGE = "intake";
    /** How often the events that stages made outside an input record are sent. */
    private static final Duration EVENTS_TICK = Duration.ofMillis(100);
    /** The error class of a job whose id was accepted before. */
    static final String DUPLICATE = "DuplicateJobId";

    private final Deserializer<Job> jobs;
    private final IntakeRules rules;
    /** Reads a job's payload as the input of the stages; null in pass-through mode, which never reads it. */
    private final Deserializer<?> payloads;
    private final PayloadType<?> input;
    private final String idStoreName;
    private final Cancellations cancellations;
    /** Pass-through mode's results made without decoding the document; null in pipeline mode. */
    private final PassThroughCopy copy;
    private final int maxResultBytes;
    private final String waitStoreName;
    /** Whether this intake reads the source topic, where jobs are accepted; a lane's reads accepted jobs. */
    private final boolean accepts;
    private ProcessorContext<String, Flow> context;
    private RegistryWaits waits;
    private final HeldTasks tasks;
    private Held held;
    /** The ids accepted within the duplicate window, with where each was read; null when not checked. */
    private WindowStore<String, String> acceptedIds;

    /**
     * @param payloads reads a job's payload as {@code input}; null to carry it on as it came (pass-through)
     * @param input what the stages take, which a job written before payloads (a Document) must be
     * @param idStoreName the window store of accepted job ids, or null to run duplicates like any job
     * @param copy in pass-through mode, what makes the results of jobs it can copy; null otherwise
     * @param maxResultBytes the largest result the producer can send, for {@code copy}'s results
     * @param waitStoreName the store of the records that wait for the schema registry
     * @param accepts whether jobs enter here (the source topic), so that each gets an ACCEPTED event
     */
    IntakeProcessor(Deserializer<Job> jobs, IntakeRules rules, Deserializer<?> payloads, PayloadType<?> input,
                    String idStoreName,
                    Cancellations cancellations, HeldTasks tasks, PassThroughCopy copy, int maxResultBytes,
                    String waitStoreName, boolean accepts) {
        this.tasks = tasks;
        this.waitStoreName = waitStoreName;
        this.accepts = accepts;
        this.copy = copy;
        this.maxResultBytes = maxResultBytes;
        this.cancellations = cancellations;
        this.jobs = jobs;
        this.rules = rules;
        this.payloads = payloads;
        this.input = input;
        this.idStoreName = idStoreName;
    }

    @Override
    public void init(ProcessorContext<String, Flow> context) {
        this.context = context;
        this.held = tasks.of(context.taskId());
        held.register(this, () -> { });
        if (idStoreName != null) {
            acceptedIds = context.getStateStore(idStoreName);
        }
        waits = new RegistryWaits(context.getStateStore(waitStoreName));
        context.schedule(RegistryWaits.TICK, PunctuationType.WALL_CLOCK_TIME, this::readWaiting);
        // what the stages' punctuators made (a retry, a gather's flush) and no result took along
        context.schedule(EVENTS_TICK, PunctuationType.WALL_CLOCK_TIME, now -> held.events.sendFrom(context));
    }

    @Override
    public void close() {
        held.unregister(this);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RawRecords.forget(context);
        ErrorHeaders.SourcePosition position = context.recordMetadata()
                .map(m -> new ErrorHeaders.SourcePosition(m.topic(), m.partition(), m.offset()))
                .orElse(null);
        read(record, position, 0);
        // the record is done: what joins and gathers still hold goes to their stores before a commit
        held.spill();
        held.events.sendFrom(context);
    }

    /** Reads again the records that waited for the registry and are due, for at most 200 ms. */
    private void readWaiting(long now) {
        if (waits.waiting() == 0) {
            return;
        }
        long start = System.nanoTime();
        List<EnvelopeCodec.Waiting> due;
        do {
            due = waits.takeDue(now, WAIT_CHUNK);
            for (EnvelopeCodec.Waiting waiting : due) {
                Flow.Raw raw = waiting.raw();
                read(new Record<>(raw.key(), raw.value(), waiting.timestamp(), waiting.headers()), raw.position(),
                        waiting.attempts());
            }
        } while (due.size() == WAIT_CHUNK && System.nanoTime() - start < WAIT_BUDGET_NANOS);
        if (waits.waiting() == 0) {
            log.info("the schema registry answers again: every record that waited for it is read");
        }
        held.spill();
        held.events.sendFrom(context);
    }

    /** Reads one source record, found at {@code position}, that {@code attemptsMade} tries could not read before. */
    private void read(Record<byte[], byte[]> record, ErrorHeaders.SourcePosition position, int attemptsMade) {
        if (copy != null && record.value() != null && copied(record)) {
            return;
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
            reject(record, key, position, "NullValue",
                    "record has no value (null): a job must be an Avro Job in the Confluent wire format");
            return;
        }
        Job job;
        try {
            job = jobs.deserialize(position == null ? "" : position.topic(), record.value());
        } catch (SchemaRegistryUnavailableException e) {
            waitForRegistry(record, position, attemptsMade + 1, e);
            return;
        } catch (SerializationException e) {
            reject(record, key, position, e.getClass().getName(), "record is not a readable Job: " + e.getMessage());
            return;
        }
        String jobId = job.getJobId();
        if (jobId.isBlank()) {
            reject(record, key, position, "MissingJobId", "job has no id: its jobId field is empty");
            return;
        }
        // the limits first: a payload over the size limit is refused before it is decoded
        String problem = rules.check(job);
        if (problem != null) {
            reject(record, jobId, position, "InvalidJob", problem);
            return;
        }
        Object payload;
        try {
            payload = payloadOf(job, position);
        } catch (SchemaRegistryUnavailableException e) {
            waitForRegistry(record, position, attemptsMade + 1, e);
            return;
        } catch (SerializationException e) {
            reject(record, jobId, position, e.getClass().getName(), "the job's payload is not a readable "
                    + input.name() + ": " + e.getMessage());
            return;
        }
        if (payload == null) {
            reject(record, jobId, position, "MissingPayload", "the job has no payload: a job written before payloads"
                    + " carries a Document, but this pipeline's input is " + input.name());
            return;
        }
        if (acceptedIds != null && isDuplicate(record, jobId, position)) {
            return;
        }
        if (accepts) {
            held.events.add(EventBuffer.of(jobId, JobEventType.ACCEPTED, context.currentSystemTimeMs()));
        }
        Flow.Raw raw = new Flow.Raw(record.key(), record.value(), position);
        // the stages have the payload now: the envelope carries the rest of the job, which is small
        job.setPayload(null);
        job.setDocument(Jobs.noDocument());
        Flow.Envelope envelope = Flow.Envelope.start(job, payload, raw, LaneHeaders.trace(record.headers()));
        StageError cancelled = cancellations.cancelled(job, STAGE);
        if (cancelled != null) {
            // cancelled before it arrived: it runs no stage
            envelope = envelope.cancelled(cancelled, envelope.traceWith(STAGE, context.currentSystemTimeMs(), 0,
                    Cancellations.NOTE));
        }
        context.forward(new Record<>(jobId, envelope, record.timestamp(), new RecordHeaders()));
    }

    /**
     * The job's input: its payload read as {@link #input} (kept as it came in pass-through mode), or for
     * a job written before payloads its document, if the stages take one; null if they do not.
     */
    private Object payloadOf(Job job, ErrorHeaders.SourcePosition position) {
        ByteBuffer payload = job.getPayload();
        if (payload == null) {
            return input.accepts(job.getDocument()) ? job.getDocument() : null;
        }
        byte[] bytes = Jobs.bytes(payload);
        if (payloads == null) {
            return new Flow.Encoded(bytes);
        }
        return payloads.deserialize(position == null ? "" : position.topic(), bytes);
    }

    private void waitForRegistry(Record<byte[], byte[]> record, ErrorHeaders.SourcePosition position, int attempts,
                                 SchemaRegistryUnavailableException e) {
        if (attempts == 1 && waits.waiting() == 0) {
            log.warn("a job on {} has a schema id this instance has not read before, and the schema registry does not"
                    + " answer ({}); such jobs wait in store {} and are read again once it does. Jobs with known ids go"
                    + " on", position == null ? "the source topic" : position.topic(), e.getMessage(), waitStoreName);
        }
        Headers headers = record.headers();
        waits.park(new Flow.Raw(record.key(), record.value(), position), record.timestamp(), headers, attempts,
                context.currentSystemTimeMs());
    }

    /**
     * Pass-through mode: completes the job in {@code record} with its body copied into the result, if
     * it can; false leaves the record to the ordinary path (a record it is not sure of, a cancelled job,
     * a result too large to send, a job that took a lane).
     */
    private boolean copied(Record<byte[], byte[]> record) {
        if (record.headers().lastHeader(LaneHeaders.TRACE) != null) {
            return false;
        }
        PassThroughCopy.Header header = copy.read(record.value());
        if (header == null || cancellations.cancelled(header.jobId(), header.submittedAt(), STAGE) != null) {
            return false;
        }
        byte[] result = copy.result(header, record.value(), context.currentSystemTimeMs());
        if (!ResultSize.fits(result, header.jobId(), maxResultBytes)) {
            return false;
        }
        long now = context.currentSystemTimeMs();
        held.events.add(EventBuffer.of(header.jobId(), JobEventType.ACCEPTED, now));
        held.events.add(EventBuffer.of(header.jobId(), JobEventType.COMPLETED, now));
        held.events.sendFrom(context);
        context.forward(new Record<String, Flow>(header.jobId(), new Flow.Emit(null, result), record.timestamp(),
                new RecordHeaders()));
        return true;
    }

    /**
     * Whether a job with this id was accepted within the window. A duplicate gets no result of its
     * own (the first job's is the id's one result): its record goes to the dead-letter topic. A new
     * id is remembered, with where it was read; so is a replayed one (it runs again).
     */
    private boolean isDuplicate(Record<byte[], byte[]> record, String jobId, ErrorHeaders.SourcePosition position) {
        long now = context.currentSystemTimeMs();
        String first = null;
        // the fetch taking instants formats a message on every call, for the error it would throw
        try (WindowStoreIterator<String> seen = acceptedIds.fetch(jobId, now - rules.duplicateWindow().toMillis(), now)) {
            if (seen.hasNext()) {
                first = seen.next().value;
            }
        }
        if (first == null || record.headers().lastHeader(ErrorHeaders.REPLAYED_FROM) != null) {
            acceptedIds.put(jobId, position == null ? "" : position.topic() + "-" + position.partition() + "@"
                    + position.offset(), now);
            return false;
        }
        String message = "job id '" + jobId + "' was accepted before" + (first.isEmpty() ? "" : " (" + first + ")")
                + ", within limits.duplicate.window.ms (" + rules.duplicateWindow().toMillis() + " ms): this"
                + " submission is not run, and the first one's result is the job's result";
        context.forward(new Record<String, Flow>(jobId, new Flow.DeadLetter(record.key(), record.value()),
                record.timestamp(), ErrorHeaders.of(position, jobId, STAGE, DUPLICATE, message)));
        return true;
    }

    private void reject(Record<byte[], byte[]> record, String key, ErrorHeaders.SourcePosition position,
                        String errorClass, String message) {
        String jobId = key == null ? "" : key;
        JobResult result = JobResult.newBuilder()
                .setJobId(jobId)
                .setStatus(JobStatus.FAILED)
                .setCompletedAt(Instant.ofEpochMilli(context.currentSystemTimeMs()))
                .setError(StageError.newBuilder().setStage(STAGE).setErrorClass(errorClass).setMessage(message)
                        .setAttempts(1).build())
                .build();
        held.events.add(EventBuffer.ended(result));
        held.events.sendFrom(context);
        context.forward(new Record<String, Flow>(key, new Flow.Emit(result), record.timestamp(), new RecordHeaders()));
        context.forward(new Record<String, Flow>(key, new Flow.DeadLetter(record.key(), record.value()),
                record.timestamp(), ErrorHeaders.of(position, jobId, STAGE, errorClass, message)));
    }
}
