package dev.sluice.topology.internal;

import dev.sluice.schemas.StageError;
import dev.sluice.topology.Pipeline;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** What every stage's processor does around the user's code: time it, catch it, check what it made. */
abstract class StageNode implements Processor<String, Flow, String, Flow> {

    /** One call into a stage. */
    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    /** How a call went: its start, its time, its error if it threw, and the note it left. */
    record Outcome(long startedAtMillis, long nanos, StageError error, String note) {
        boolean failed() {
            return error != null;
        }
    }

    final Pipeline.StageDefinition definition;
    final BoundContext stageContext;
    ProcessorContext<String, Flow> context;
    /** What the task's joins and gathers hold while a record is processed; see {@link Held}. */
    Held held;

    StageNode(Pipeline.StageDefinition definition) {
        this.definition = definition;
        this.stageContext = new BoundContext(definition.name());
    }

    @Override
    public void init(ProcessorContext<String, Flow> context) {
        this.context = context;
        this.held = Held.of(context.taskId());
        held.register(this, this::spill);
    }

    @Override
    public void close() {
        held.unregister(this);
    }

    /** Writes what this processor holds in memory to its store; nothing unless it holds parts. */
    void spill() {
    }

    /** How often a join or gather looks for what waited past {@code timeout}: a quarter of it, 0.1 to 1 s. */
    static Duration sweepInterval(Duration timeout) {
        return Duration.ofMillis(Math.max(100, Math.min(timeout.toMillis() / 4, 1_000)));
    }

    /** How long a join or gather remembers that it gave up on a part: ten timeouts, at least ten minutes. */
    static long rememberMillis(Duration timeout) {
        return Math.max(timeout.toMillis() * 10, Duration.ofMinutes(10).toMillis());
    }

    /** Runs {@code call} for one envelope's job. A stage that throws fails the job, and only the job. */
    final Outcome invoke(Flow.Envelope envelope, Call call) {
        stageContext.bind(envelope.job());
        long startedAt = context.currentSystemTimeMs();
        long t0 = System.nanoTime();
        StageError error = null;
        try {
            call.run();
        } catch (Exception | StackOverflowError | AssertionError | LinkageError e) {
            error = error(e);
        }
        return new Outcome(startedAt, System.nanoTime() - t0, error, stageContext.takeNote());
    }

    final StageError error(Throwable e) {
        return error(e.getClass().getName(), messageOf(e));
    }

    final StageError error(String errorClass, String message) {
        return StageError.newBuilder().setStage(definition.name()).setErrorClass(errorClass).setMessage(message)
                .setAttempts(1).build();
    }

    /** {@code output}, if it is what the stage is declared to make. */
    final Object checked(Object output) {
        if (output == null) {
            throw new NullPointerException("stage emitted null");
        }
        if (!definition.outputType().isInstance(output)) {
            throw new ClassCastException("stage emitted a " + output.getClass().getName() + " but is declared to emit "
                    + definition.outputType().getName());
        }
        return output;
    }

    /**
     * The part as it goes on if its job's deadline has passed: FAILED with a {@link Deadlines} error
     * naming this stage (the collector makes that an EXPIRED result), so that no later stage runs for
     * it and gathers drop the job's other parts; null while the job has time left.
     */
    final Flow.Envelope expiredOrNull(Flow.Envelope envelope) {
        long now = context.currentSystemTimeMs();
        StageError expired = Deadlines.expired(envelope.job(), definition.name(), now);
        return expired == null ? null
                : envelope.failed(expired, envelope.traceWith(definition.name(), now, 0, Deadlines.NOTE));
    }

    /** Sends a part that came after its join or gather stopped waiting for it to the dead-letter topic. */
    final void deadLetterLatePart(Record<String, Flow> record, Flow.Envelope envelope, String message) {
        context.forward(record.withValue(new Flow.DeadLetter(envelope.jobId().getBytes(StandardCharsets.UTF_8),
                EnvelopeCodec.encode(envelope))).withHeaders(ErrorHeaders.of(null, envelope.jobId(),
                definition.name(), "LatePart", message)));
    }

    static String messageOf(Throwable error) {
        String message = error.getMessage();
        return message == null || message.isBlank() ? error.getClass().getSimpleName() : message;
    }
}
