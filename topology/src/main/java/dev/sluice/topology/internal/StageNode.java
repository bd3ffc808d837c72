package dev.sluice.topology.internal;

import dev.sluice.schemas.StageError;
import dev.sluice.topology.pipeline.StageDefinition;
import dev.sluice.topology.stage.StageContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** What every stage's processor does around the user's code: time it, catch it, check what it made. */
abstract class StageNode implements Processor<String, Flow, String, Flow> {

    /** One call into a stage, with the context to hand it. */
    @FunctionalInterface
    interface Call {
        void run(StageContext context) throws Exception;
    }

    /**
     * The threads that run calls of stages with a time limit. A call past its limit is interrupted and
     * left behind; if it never returns, its thread stays busy and later calls get new ones.
     */
    private static final ExecutorService LIMITED_CALLS = Executors.newCachedThreadPool(new ThreadFactory() {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "sluice-stage-call-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    });

    /** How a call went: its start, its time, its error (and what was thrown) if it threw, and the note it left. */
    record Outcome(long startedAtMillis, long nanos, StageError error, Throwable cause, String note) {
        boolean failed() {
            return error != null;
        }
    }

    /** Parts per look into the retry store: a punctuation takes this many, then checks its time budget. */
    private static final int RETRY_CHUNK = 64;

    final StageDefinition definition;
    final BoundContext stageContext;
    private final String retryStoreName;
    ProcessorContext<String, Flow> context;
    /** What the task's joins and gathers hold while a record is processed; see {@link Held}. */
    Held held;
    /** Where this node finds its task's {@link Held}; set by the topology before {@code init}. */
    HeldTasks tasks;
    /** The parts waiting to be tried again; null for a stage without retries. */
    Retries retries;
    /** The jobs cancelled through the control topic; set by the topology before {@code init}. */
    Cancellations cancellations;
    /** This stage's meters; set by the topology before {@code init}. */
    StageMetrics metrics = StageMetrics.NONE;
    /** The jobs this stage has started in this task, for the events topic. */
    StageProgress progress;

    StageNode(StageDefinition definition) {
        this(definition, null);
    }

    /** A node whose stage is tried again as its policy says, waiting in store {@code retryStoreName}. */
    StageNode(StageDefinition definition, String retryStoreName) {
        this.definition = definition;
        this.stageContext = new BoundContext(definition.name());
        this.retryStoreName = retryStoreName;
    }

    @Override
    public void init(ProcessorContext<String, Flow> context) {
        this.context = context;
        this.held = tasks.of(context.taskId());
        held.register(this, this::spill);
        this.progress = held.progress(definition.name());
        stageContext.hearing(cancellations);
        if (retryStoreName != null) {
            retries = new Retries(((StageDefinition.Calling) definition).retry(), context.getStateStore(retryStoreName));
            context.schedule(retries.tick(), PunctuationType.WALL_CLOCK_TIME, this::retryDue);
        }
    }

    /**
     * Sends on, untouched, what the stage does not run on: anything but an envelope, and a part that was
     * dropped or failed before (counted as passing this stage). True if it did.
     */
    final boolean passedOn(Record<String, Flow> record) {
        if (!(record.value() instanceof Flow.Envelope envelope)) {
            context.forward(record);
            return true;
        }
        took(envelope);
        if (!envelope.isPayload()) {
            passed(envelope, 0, 0, null);
            context.forward(record);
            return true;
        }
        return false;
    }

    /** The stage takes up a part of {@code envelope}'s job: the job's first part starts it here. */
    final void took(Flow.Envelope envelope) {
        progress.took(envelope.jobId(), context.currentSystemTimeMs());
    }

    /**
     * The stage is done with {@code envelope}, having made {@code outputs} outputs from it in
     * {@code nanos}: call before sending them on, so that the job finishes here before the next stage
     * starts it.
     */
    final void passed(Flow.Envelope envelope, int outputs, long nanos, String note) {
        progress.passed(envelope.jobId(), envelope.lineage(), outputs, nanos, note, context.currentSystemTimeMs());
    }

    /** As {@link #passed}, without finishing the job: a fan-in whose output is still to be made. */
    final void handled(Flow.Envelope envelope) {
        progress.handled(envelope.jobId(), envelope.lineage(), 0, 0, null, context.currentSystemTimeMs());
    }

    /** Tries again the parts whose wait is over, for at most {@link Retries#BUDGET_NANOS}. */
    private void retryDue(long now) {
        if (retries.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        List<EnvelopeCodec.Parked> due;
        do {
            due = retries.takeDue(now, RETRY_CHUNK);
            if (!due.isEmpty()) {
                retry(due, now);
            }
        } while (due.size() == RETRY_CHUNK && System.nanoTime() - start < Retries.BUDGET_NANOS);
        held.spill();
    }

    /** Runs the stage again on parts that waited for a retry; only nodes made with a retry store get any. */
    void retry(List<EnvelopeCodec.Parked> due, long now) {
        throw new IllegalStateException("stage " + definition.name() + " has no retries");
    }

    /**
     * If the policy tries {@code envelope} again after attempt {@code attemptsMade} failed as
     * {@code outcome} says, puts it away for its retry, with the failed attempt in its trace, and
     * returns true; otherwise false, and the caller fails the part.
     */
    final boolean parkForRetry(Flow.Envelope envelope, Outcome outcome, long nanos, int attemptsMade) {
        if (retries == null || !retries.retries(outcome.cause(), attemptsMade)) {
            return false;
        }
        Duration delay = retries.delay(attemptsMade);
        metrics.retried();
        String note = "attempt " + attemptsMade + " failed (" + outcome.error().getErrorClass() + ": "
                + outcome.error().getMessage() + "); retrying in " + delay.toMillis() + " ms";
        var trace = envelope.traceWith(definition.name(), outcome.startedAtMillis(), nanos, note);
        retries.park(envelope.withPayload(envelope.payload(), envelope.lineage(), trace), attemptsMade,
                context.currentSystemTimeMs(), delay);
        return true;
    }

    /** The outcome's error, counting {@code attempts} attempts. */
    static StageError afterAttempts(StageError error, int attempts) {
        return attempts == error.getAttempts() ? error : StageError.newBuilder(error).setAttempts(attempts).build();
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
        return invoke(envelope, 1, call);
    }

    /** Runs {@code call} as attempt {@code attempt} (1 for the first) of one envelope's job. */
    final Outcome invoke(Flow.Envelope envelope, int attempt, Call call) {
        if (definition instanceof StageDefinition.Calling calling && calling.timeLimit() != null) {
            return invokeLimited(envelope, attempt, call, calling.timeLimit());
        }
        stageContext.bind(envelope.job(), attempt, envelope.lineage().path());
        long startedAt = context.currentSystemTimeMs();
        long t0 = System.nanoTime();
        StageError error = null;
        Throwable cause = null;
        try {
            call.run(stageContext);
        } catch (Exception | StackOverflowError | AssertionError | LinkageError e) {
            error = error(e);
            cause = e;
        }
        long nanos = System.nanoTime() - t0;
        metrics.called(nanos, error != null);
        return new Outcome(startedAt, nanos, error, cause, stageContext.takeNote());
    }

    /**
     * Runs {@code call} on a thread of its own and waits at most {@code limit} for it. A call past
     * the limit is interrupted and left behind, with a context of its own so that it cannot touch
     * the next job's; its job fails with a {@link TimeoutException}.
     */
    private Outcome invokeLimited(Flow.Envelope envelope, int attempt, Call call, Duration limit) {
        BoundContext own = new BoundContext(definition.name()).hearing(cancellations)
                .bind(envelope.job(), attempt, envelope.lineage().path());
        long startedAt = context.currentSystemTimeMs();
        long t0 = System.nanoTime();
        Future<?> running = LIMITED_CALLS.submit(() -> {
            call.run(own);
            return null;
        });
        StageError error = null;
        Throwable cause = null;
        try {
            running.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            own.stop();
            running.cancel(true);
            String message = "stage '" + definition.name() + "' did not finish within its time limit of "
                    + limit.toMillis() + " ms; the call was interrupted";
            cause = new TimeoutException(message);
            error = error(TimeoutException.class.getName(), message);
        } catch (ExecutionException e) {
            cause = e.getCause();
            if (cause instanceof Error fatal && !(fatal instanceof StackOverflowError || fatal instanceof AssertionError
                    || fatal instanceof LinkageError)) {
                throw fatal;
            }
            error = error(cause);
        } catch (InterruptedException e) {
            // the stream thread is stopping: leave the job to run again, rather than fail it
            running.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
        long nanos = System.nanoTime() - t0;
        metrics.called(nanos, error != null);
        return new Outcome(startedAt, nanos, error, cause, own.takeNote());
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
     * The part as it goes on if its job was cancelled or its deadline has passed: CANCELLED or EXPIRED,
     * with a {@link Cancellations} or {@link Deadlines} error naming this stage, so that no later stage
     * runs for it and gathers drop the job's other parts; null while the job goes on.
     */
    final Flow.Envelope stoppedOrNull(Flow.Envelope envelope) {
        return stoppedOrNull(envelope, context.currentSystemTimeMs());
    }

    /** As {@link #stoppedOrNull(Flow.Envelope)}, at {@code now}. */
    final Flow.Envelope stoppedOrNull(Flow.Envelope envelope, long now) {
        StageError cancelled = cancellations.cancelled(envelope.job(), definition.name());
        if (cancelled != null) {
            return envelope.cancelled(cancelled, envelope.traceWith(definition.name(), now, 0, Cancellations.NOTE));
        }
        StageError expired = Deadlines.expired(envelope.job(), definition.name(), now);
        return expired == null ? null
                : envelope.expired(expired, envelope.traceWith(definition.name(), now, 0, Deadlines.NOTE));
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
