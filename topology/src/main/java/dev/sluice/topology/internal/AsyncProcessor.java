package dev.sluice.topology.internal;

import dev.sluice.schemas.StageError;
import dev.sluice.schemas.StageTrace;
import dev.sluice.topology.CallsInFlight;
import dev.sluice.topology.pipeline.StageDefinition;
import dev.sluice.topology.stage.AsyncStage;
import dev.sluice.topology.stage.RetryPolicy;
import dev.sluice.topology.stage.SlowDown;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Runs one asynchronous stage in one task. Each input starts a call that the stage returns at once;
 * the stream thread goes on with other records, and sends a call's outputs on when it has come back,
 * from {@code process} or from a punctuator that looks every {@value #DRAIN_MILLIS} ms. A job's
 * outputs go on in the order of its inputs (a call that comes back early waits for its job's earlier
 * ones); other jobs overtake it.
 *
 * <p>Every input the stage has taken and not yet sent on is in store {@code <stage>-calls} (cached:
 * a call that comes back within a commit interval never reaches RocksDB or the changelog), keyed by a
 * sequence number so that the store's order is the order they came; a job's original record is kept
 * once, under {@code r|<job id>}. After a crash or a rebalance, the task's new owner finds them there
 * and calls again: calls are at least once, results exactly once.
 *
 * <p>At most {@code concurrency} calls run or wait for a retry at once. When that many do, the next
 * record waits in {@code process} until one comes back (the task takes nothing new meanwhile), for
 * at most {@value #MAX_BLOCK_MILLIS} ms, so that a stalled service never holds the stream thread past
 * a transaction's timeout; a record still without a slot then waits, in the store, for the next free
 * one. A call that fails waits for its retry in its slot, so that its job's later outputs keep their
 * order; one told to {@link SlowDown} waits as long as it asks, without spending an attempt, and the
 * stage's {@link CallRate} slows every call down.
 */
final class AsyncProcessor extends StageNode {

    /** How often the punctuator looks for calls that came back. */
    static final long DRAIN_MILLIS = 5;
    /** The longest {@code process} waits for a free slot. */
    static final long MAX_BLOCK_MILLIS = 1_000;
    /** How often calls are checked for a cancel or a passed deadline. */
    private static final long SWEEP_MILLIS = 100;
    /** The longest a call is slowed down in all, when its retry policy waits less. */
    static final Duration SLOW_DOWN_LIMIT = Duration.ofMinutes(10);
    private static final String CALL = "c|";
    private static final String RAW = "r|";
    private static final byte[] NOTHING = new byte[0];

    /** Ends the calls past their timeout, and starts those a rate held back. */
    private static final ScheduledThreadPoolExecutor TIMER = timer();
    /** Runs the starts a rate held back, so that a slow {@code call} cannot hold the timer up. */
    private static final ExecutorService STARTS = Executors.newCachedThreadPool(daemons("sluice-async-start-"));

    private enum State { QUEUED, RUNNING, BACKOFF, DONE }

    /** One input of the stage, from when it is taken until its outputs are sent on. */
    private static final class Call {
        final long seq;
        final String key;
        final long timestamp;
        volatile Flow.Envelope envelope;
        /** Attempts made and finished. */
        int attempts;
        /** How long slow-downs held it, in all. */
        long slowedMillis;
        long dueAt;
        State state = State.QUEUED;
        /** What the current attempt's completion must show to count; null once it has come back. */
        final AtomicReference<Object> attempt = new AtomicReference<>();
        volatile BoundContext context;
        volatile CompletionStage<?> future;
        volatile ScheduledFuture<?> timer;
        long startedAtMillis;
        volatile long t0;
        // written by the thread that completes the attempt, read after the hand-over through the queue
        List<?> outputs;
        Throwable error;
        long nanos;
        /** What it sends on once done: its outputs' envelopes, or one stopped or failed envelope. */
        List<Flow.Envelope> sent;
        String note;

        Call(long seq, Flow.Envelope envelope, int attempts, long timestamp) {
            this.seq = seq;
            this.key = key(seq);
            this.envelope = envelope;
            this.attempts = attempts;
            this.timestamp = timestamp;
        }
    }

    private final AsyncStage<Object, Object> stage;
    private final boolean fansOut;
    private final int concurrency;
    private final long timeoutMillis;
    private final RetryPolicy policy;
    private final long slowDownLimitMillis;
    private final String storeName;
    private final CallRate rate;
    private final CallsInFlight watcher;

    private KeyValueStore<String, byte[]> store;
    private final LinkedBlockingQueue<Call> finished = new LinkedBlockingQueue<>();
    /** Each job's calls, in the order they came: what the job sends on next is at the head. */
    private final Map<String, ArrayDeque<Call>> byJob = new HashMap<>();
    private final ArrayDeque<Call> queued = new ArrayDeque<>();
    private final PriorityQueue<Call> backoff = new PriorityQueue<>(Comparator.comparingLong((Call c) -> c.dueAt)
            .thenComparingLong(c -> c.seq));
    /** The jobs whose original record the store keeps. */
    private final Set<String> kept = new HashSet<>();
    private long nextSeq;
    /** Calls running or waiting for a retry: each holds a slot. */
    private int slots;
    /** Inputs taken and not yet sent on. */
    private int holding;
    /** The earliest retry last told to the watcher. */
    private long reportedDue = Long.MAX_VALUE;
    private long lastSweep;
    private volatile boolean closed;
    /** The calls whose code runs now: a cancel, heard on the global thread, stops them at once. */
    private final Set<Call> running = ConcurrentHashMap.newKeySet();
    private final Consumer<String> onCancel = this::cancelRunning;

    @SuppressWarnings("unchecked")
    AsyncProcessor(StageDefinition.Async definition, String storeName, CallRate rate, CallsInFlight watcher) {
        super(definition);
        this.stage = (AsyncStage<Object, Object>) definition.stage();
        this.fansOut = definition.fansOut();
        this.concurrency = definition.concurrency();
        this.timeoutMillis = definition.timeout().toMillis();
        this.policy = definition.retry();
        this.slowDownLimitMillis = Math.max(policy.longestWait().toMillis(), SLOW_DOWN_LIMIT.toMillis());
        this.storeName = storeName;
        this.rate = rate;
        this.watcher = watcher;
    }

    @Override
    public void init(ProcessorContext<String, Flow> context) {
        super.init(context);
        this.store = context.getStateStore(storeName);
        cancellations.listen(onCancel);
        recover();
        context.schedule(Duration.ofMillis(DRAIN_MILLIS), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    /** Calls again for every input the store holds: what was in flight when the task last stopped. */
    private void recover() {
        Map<String, Flow.Raw> raws = new HashMap<>();
        List<Call> found = new ArrayList<>();
        long now = context.currentSystemTimeMs();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                var entry = it.next();
                if (entry.key.startsWith(RAW)) {
                    raws.put(entry.key.substring(RAW.length()), EnvelopeCodec.unkeep(entry.value).raw());
                } else if (entry.key.startsWith(CALL)) {
                    long seq = Long.parseUnsignedLong(entry.key.substring(CALL.length()), 16);
                    EnvelopeCodec.Parked parked = EnvelopeCodec.decodeRetry(entry.value);
                    found.add(new Call(seq, parked.envelope(), parked.attempts(), now));
                    nextSeq = Math.max(nextSeq, seq + 1);
                }
            }
        }
        for (Call call : found) {
            Flow.Raw raw = raws.get(call.envelope.jobId());
            if (raw != null) {
                call.envelope = call.envelope.withRaw(raw);
                kept.add(call.envelope.jobId());
            }
            track(call);
            startOrQueue(call);
        }
    }

    @Override
    public void process(Record<String, Flow> record) {
        drain();
        if (passedOn(record)) {
            return;
        }
        Flow.Envelope envelope = (Flow.Envelope) record.value();
        Flow.Envelope stopped = stoppedOrNull(envelope);
        if (stopped != null) {
            passed(envelope, 0, 0, null);
            context.forward(record.withValue(stopped));
            return;
        }
        Call call = new Call(nextSeq++, envelope, 0, record.timestamp());
        store.put(call.key, EnvelopeCodec.encodeRetry(envelope.withRaw(null), 0));
        if (envelope.raw() != null && kept.add(envelope.jobId())) {
            store.put(RAW + envelope.jobId(), EnvelopeCodec.keep(NOTHING, envelope.raw()));
        }
        track(call);
        if (slots >= concurrency) {
            waitForSlot();
        }
        startOrQueue(call);
    }

    private void punctuate(long now) {
        if (holding == 0) {
            return;
        }
        drain();
        if (now - lastSweep >= SWEEP_MILLIS) {
            lastSweep = now;
            sweep();
        }
        held.spill();
    }

    /** Handles the calls that came back, starts the retries that came due, and fills free slots. */
    private void drain() {
        if (holding == 0) {
            return;
        }
        Call call;
        while ((call = finished.poll()) != null) {
            handle(call);
        }
        long now = context.currentSystemTimeMs();
        while (!backoff.isEmpty() && backoff.peek().dueAt <= now) {
            Call due = backoff.poll();
            due.state = State.RUNNING;
            start(due);
        }
        fill();
        long due = backoff.isEmpty() ? Long.MAX_VALUE : backoff.peek().dueAt;
        if (due != reportedDue) {
            reportedDue = due;
            watcher.due(this, due, now);
        }
    }

    /**
     * Waits until a slot is free, handling the calls that come back meanwhile, for at most
     * {@value #MAX_BLOCK_MILLIS} ms.
     */
    private void waitForSlot() {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_BLOCK_MILLIS);
        while (slots >= concurrency) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                Call call = finished.poll(left, TimeUnit.NANOSECONDS);
                if (call != null) {
                    handle(call);
                    drain();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
        }
    }

    private void fill() {
        while (slots < concurrency && !queued.isEmpty()) {
            Call next = queued.poll();
            next.state = State.RUNNING;
            slots++;
            start(next);
        }
    }

    private void track(Call call) {
        byJob.computeIfAbsent(call.envelope.jobId(), j -> new ArrayDeque<>(4)).add(call);
        holding++;
        watcher.held(1);
    }

    private void startOrQueue(Call call) {
        if (slots < concurrency) {
            call.state = State.RUNNING;
            slots++;
            start(call);
        } else {
            queued.add(call);
        }
    }

    /** Starts an attempt of {@code call}, now or when the stage's rate lets it; it holds a slot. */
    private void start(Call call) {
        call.startedAtMillis = context.currentSystemTimeMs();
        Object token = new Object();
        call.attempt.set(token);
        watcher.started();
        long wait = rate.reserve(System.nanoTime());
        if (wait <= 0) {
            invoke(call, token);
        } else {
            TIMER.schedule(() -> STARTS.execute(() -> invoke(call, token)), wait, TimeUnit.NANOSECONDS);
        }
    }

    /** Runs the stage's {@code call} for one attempt; on any thread. */
    private void invoke(Call call, Object token) {
        if (call.attempt.get() != token) {
            return; // given up while it waited for the rate
        }
        Flow.Envelope envelope = call.envelope;
        BoundContext own = new BoundContext(definition.name()).hearing(cancellations)
                .bind(envelope.job(), call.attempts + 1, envelope.lineage().path());
        call.context = own;
        call.t0 = System.nanoTime();
        if (running.add(call)) {
            rate.began();
        }
        call.timer = TIMER.schedule(() -> complete(call, token, null, new TimeoutException("stage '"
                + definition.name() + "' did not answer within its timeout of " + timeoutMillis + " ms; the call was"
                + " cancelled")), timeoutMillis, TimeUnit.MILLISECONDS);
        try {
            CompletionStage<List<Object>> running = stage.call(envelope.payload(), own);
            if (running == null) {
                complete(call, token, null, new NullPointerException("stage returned null instead of a CompletionStage"));
                return;
            }
            call.future = running;
            running.whenComplete((outputs, error) -> complete(call, token, outputs, error));
        } catch (Exception | StackOverflowError | AssertionError | LinkageError e) {
            complete(call, token, null, e);
        }
    }

    /** An attempt came back (or timed out): the first of the two counts; on any thread. */
    private void complete(Call call, Object token, List<?> outputs, Throwable error) {
        if (!call.attempt.compareAndSet(token, null)) {
            return;
        }
        call.nanos = System.nanoTime() - call.t0;
        if (running.remove(call)) {
            rate.ended();
        }
        ScheduledFuture<?> timer = call.timer;
        if (timer != null) {
            timer.cancel(false);
        }
        if (error instanceof TimeoutException || error instanceof CancellationException) {
            stopCall(call);
        }
        call.outputs = outputs;
        call.error = unwrap(error);
        watcher.finished();
        if (!closed) {
            finished.add(call);
        }
    }

    /** Stops the running calls of {@code jobId}, just cancelled; on the global thread. */
    private void cancelRunning(String jobId) {
        for (Call call : running) {
            Object token = call.attempt.get();
            if (token != null && call.envelope.jobId().equals(jobId)
                    && cancellations.cancelled(call.envelope.job(), definition.name()) != null) {
                complete(call, token, null, new CancellationException("job " + jobId + " was cancelled"));
            }
        }
    }

    /** Tells the call's code, and its future, that the call is given up. */
    private static void stopCall(Call call) {
        BoundContext own = call.context;
        if (own != null) {
            own.stop();
        }
        if (call.future instanceof Future<?> future) {
            future.cancel(true);
        }
    }

    private static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** On the stream thread: what a call that came back does next. */
    private void handle(Call call) {
        if (call.state != State.RUNNING) {
            return; // stopped (cancelled, expired) while it ran
        }
        long now = context.currentSystemTimeMs();
        Throwable error = call.error;
        List<Object> outputs = null;
        if (error == null) {
            try {
                outputs = checkedAll(call.outputs);
            } catch (RuntimeException e) {
                error = e;
            }
        }
        metrics.called(call.nanos, error != null && !(error instanceof SlowDown));
        call.note = call.context == null ? null : call.context.takeNote();
        int attempt = call.attempts + 1;
        if (error instanceof SlowDown slow) {
            long wait = Math.max(slow.retryAfter().toMillis(), policy.initialBackoff().toMillis());
            rate.slowDown(System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(wait));
            if (call.slowedMillis + wait <= slowDownLimitMillis && !pastDeadline(call, now + wait)) {
                call.slowedMillis += wait;
                backOff(call, now + wait, "slowed down (" + SlowDown.class.getSimpleName() + ": " + messageOf(slow)
                        + "); calling again in " + wait + " ms", false);
                return;
            }
        } else if (error == null) {
            rate.succeeded();
        }
        if (error != null) {
            Flow.Envelope stopped = stoppedOrNull(call.envelope);
            if (stopped != null) {
                done(call, List.of(stopped), 0);
                return;
            }
            if (!(error instanceof SlowDown) && policy.retries(error, attempt)) {
                Duration delay = policy.delay(attempt, ThreadLocalRandom.current().nextDouble());
                metrics.retried();
                backOff(call, now + delay.toMillis(), "attempt " + attempt + " failed (" + error.getClass().getName()
                        + ": " + messageOf(error) + "); retrying in " + delay.toMillis() + " ms", true);
                return;
            }
            List<StageTrace> trace = call.envelope.traceWith(definition.name(), call.startedAtMillis, call.nanos, call.note);
            StageError failed = afterAttempts(error(error), attempt);
            done(call, List.of(call.envelope.failed(failed, trace)), 0);
            return;
        }
        List<StageTrace> trace = call.envelope.traceWith(definition.name(), call.startedAtMillis, call.nanos, call.note);
        if (outputs.isEmpty()) {
            metrics.filtered();
            done(call, List.of(call.envelope.dropped(trace)), 0);
        } else if (!fansOut && outputs.size() > 1) {
            done(call, List.of(call.envelope.failed(error(IllegalStateException.class.getName(), "stage emitted "
                    + outputs.size() + " outputs for one input; a stage that fans out must be declared as a flat-map"),
                    trace)), 0);
        } else if (!fansOut) {
            done(call, List.of(call.envelope.withPayload(outputs.get(0), call.envelope.lineage(), trace)), 1);
        } else {
            int n = outputs.size();
            List<Flow.Envelope> parts = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                parts.add(call.envelope.withPayload(outputs.get(i), call.envelope.lineage().child(i, n), trace));
            }
            done(call, parts, n);
        }
    }

    private List<Object> checkedAll(List<?> outputs) {
        if (outputs == null) {
            throw new NullPointerException("stage's call completed with null instead of a list of outputs");
        }
        List<Object> checked = new ArrayList<>(outputs.size());
        for (Object output : outputs) {
            checked.add(checked(output));
        }
        return checked;
    }

    private static boolean pastDeadline(Call call, long at) {
        var deadline = call.envelope.job().getDeadline();
        return deadline != null && deadline.toEpochMilli() < at;
    }

    /**
     * Puts {@code call} away in its slot until {@code dueAt} (its job's deadline, if that comes first),
     * with the attempt and {@code note} in its trace, counting the attempt if {@code spent}.
     */
    private void backOff(Call call, long dueAt, String note, boolean spent) {
        if (spent) {
            call.attempts++;
        }
        var deadline = call.envelope.job().getDeadline();
        call.dueAt = deadline == null ? dueAt : Math.min(dueAt, deadline.toEpochMilli());
        var trace = call.envelope.traceWith(definition.name(), call.startedAtMillis, call.nanos, note);
        call.envelope = call.envelope.withPayload(call.envelope.payload(), call.envelope.lineage(), trace);
        call.state = State.BACKOFF;
        backoff.add(call);
        store.put(call.key, EnvelopeCodec.encodeRetry(call.envelope.withRaw(null), call.attempts));
    }

    /** {@code call} is done and frees its slot; its job sends on whatever is now at its head. */
    private void done(Call call, List<Flow.Envelope> sent, int outputs) {
        if (call.state == State.RUNNING || call.state == State.BACKOFF) {
            slots--;
        }
        call.state = State.DONE;
        call.sent = sent;
        call.outputs = null;
        call.error = null;
        if (outputs > 0) {
            metrics.out(outputs);
        }
        release(call.envelope.jobId());
    }

    /** Sends on the job's calls that are done, from its head, in the order they came. */
    private void release(String jobId) {
        ArrayDeque<Call> calls = byJob.get(jobId);
        long now = context.currentSystemTimeMs();
        int released = 0;
        while (calls != null && !calls.isEmpty() && calls.peek().state == State.DONE) {
            Call call = calls.poll();
            boolean made = call.sent.get(0).isPayload();
            passed(call.envelope, made ? call.sent.size() : 0, call.nanos, call.note);
            for (Flow.Envelope next : call.sent) {
                context.forward(new Record<>(jobId, next, Math.max(call.timestamp, 0), new RecordHeaders()));
            }
            store.delete(call.key);
            released++;
        }
        if (calls != null && calls.isEmpty()) {
            byJob.remove(jobId);
            if (kept.remove(jobId)) {
                store.delete(RAW + jobId);
            }
        }
        holding -= released;
        watcher.released(released);
        fill();
    }

    /** Ends the calls of jobs cancelled or past their deadline: their futures are cancelled. */
    private void sweep() {
        List<Call> stopping = new ArrayList<>();
        for (ArrayDeque<Call> calls : byJob.values()) {
            for (Call call : calls) {
                if (call.state != State.DONE && stoppedOrNull(call.envelope) != null) {
                    stopping.add(call);
                }
            }
        }
        for (Call call : stopping) {
            Flow.Envelope stopped = stoppedOrNull(call.envelope);
            if (call.attempt.getAndSet(null) != null) {
                if (running.remove(call)) {
                    rate.ended();
                }
                watcher.finished(); // it was running: its answer no longer counts
                ScheduledFuture<?> timer = call.timer;
                if (timer != null) {
                    timer.cancel(false);
                }
            }
            stopCall(call);
            if (call.state == State.QUEUED) {
                queued.remove(call);
            } else if (call.state == State.BACKOFF) {
                backoff.remove(call);
            }
            done(call, List.of(stopped), 0);
        }
    }

    @Override
    public void close() {
        closed = true;
        cancellations.unlisten(onCancel);
        for (Call call : running) {
            if (running.remove(call)) {
                rate.ended();
            }
        }
        int running = 0;
        for (ArrayDeque<Call> calls : byJob.values()) {
            for (Call call : calls) {
                if (call.attempt.getAndSet(null) != null) {
                    running++;
                    ScheduledFuture<?> timer = call.timer;
                    if (timer != null) {
                        timer.cancel(false);
                    }
                    stopCall(call);
                }
            }
        }
        for (int i = 0; i < running; i++) {
            watcher.finished();
        }
        watcher.released(holding);
        watcher.due(this, Long.MAX_VALUE, 0);
        holding = 0;
        byJob.clear();
        queued.clear();
        backoff.clear();
        finished.clear();
        super.close();
    }

    private static String key(long seq) {
        String hex = Long.toHexString(seq);
        return CALL + "0".repeat(16 - hex.length()) + hex;
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemons("sluice-async-timer-"));
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    private static java.util.concurrent.ThreadFactory daemons(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
