package dev.sluice.topology.pipeline;

import dev.sluice.topology.stage.AsyncBatchStage;
import dev.sluice.topology.stage.AsyncStage;
import dev.sluice.topology.stage.StageContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An {@link AsyncBatchStage} as the {@link AsyncStage} a pipeline's asynchronous stage calls: each call's
 * input waits, with its own future, until {@code size} inputs wait or the first has waited
 * {@code linger}; then one call of the batch stage answers them all, the i-th output to the i-th
 * input. One per stage definition: its batches mix the stage's tasks and stream threads.
 */
final class AsyncBatcher implements AsyncStage<Object, Object> {

    /** Sends the batches that lingered long enough. */
    private static final ScheduledExecutorService LINGER = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "sluice-async-batch-linger");
        thread.setDaemon(true);
        return thread;
    });

    private final AsyncBatchStage<Object, Object> stage;
    private final int size;
    private final long lingerNanos;
    private List<Waiting> waiting = new ArrayList<>();
    private ScheduledFuture<?> lingering;

    /** One input waiting for its batch, and the future its call returned. */
    private record Waiting(Object input, StageContext context, CompletableFuture<List<Object>> answer) {
    }

    @SuppressWarnings("unchecked")
    AsyncBatcher(AsyncBatchStage<?, ?> stage, int size, Duration linger) {
        this.stage = (AsyncBatchStage<Object, Object>) stage;
        this.size = size;
        this.lingerNanos = linger.toNanos();
    }

    /** The batch stage it calls. */
    AsyncBatchStage<?, ?> stage() {
        return stage;
    }

    int size() {
        return size;
    }

    Duration linger() {
        return Duration.ofNanos(lingerNanos);
    }

    @Override
    public CompletionStage<List<Object>> call(Object input, StageContext context) {
        CompletableFuture<List<Object>> answer = new CompletableFuture<>();
        List<Waiting> full = null;
        synchronized (this) {
            waiting.add(new Waiting(input, context, answer));
            if (waiting.size() >= size) {
                full = take();
            } else if (waiting.size() == 1) {
                lingering = LINGER.schedule(this::lingered, lingerNanos, TimeUnit.NANOSECONDS);
            }
        }
        if (full != null) {
            send(full);
        }
        return answer;
    }

    private void lingered() {
        List<Waiting> batch;
        synchronized (this) {
            lingering = null;
            batch = waiting.isEmpty() ? null : take();
        }
        if (batch != null) {
            send(batch);
        }
    }

    /** The inputs waiting now, as one batch; under the lock. */
    private List<Waiting> take() {
        List<Waiting> batch = waiting;
        waiting = new ArrayList<>(size);
        if (lingering != null) {
            lingering.cancel(false);
            lingering = null;
        }
        return batch;
    }

    /** Calls the stage once for {@code batch}, leaving out inputs whose call was given up meanwhile. */
    private void send(List<Waiting> batch) {
        List<Waiting> live = new ArrayList<>(batch.size());
        for (Waiting w : batch) {
            if (!w.answer().isDone()) {
                live.add(w);
            }
        }
        if (live.isEmpty()) {
            return;
        }
        List<Object> inputs = new ArrayList<>(live.size());
        List<StageContext> contexts = new ArrayList<>(live.size());
        for (Waiting w : live) {
            inputs.add(w.input());
            contexts.add(w.context());
        }
        CompletionStage<List<Object>> call;
        try {
            call = stage.call(inputs, contexts);
            if (call == null) {
                throw new NullPointerException("batch stage returned null instead of a CompletionStage");
            }
        } catch (Exception | StackOverflowError | AssertionError | LinkageError e) {
            live.forEach(w -> w.answer().completeExceptionally(e));
            return;
        }
        call.whenComplete((outputs, error) -> {
            if (error == null && (outputs == null || outputs.size() != live.size())) {
                error = new IllegalStateException("batch stage answered " + (outputs == null ? "null"
                        : outputs.size() + " outputs") + " for " + live.size() + " inputs; it must answer one"
                        + " output per input, in order");
            }
            for (int i = 0; i < live.size(); i++) {
                if (error != null) {
                    live.get(i).answer().completeExceptionally(error instanceof CompletionException c
                            && c.getCause() != null ? c.getCause() : error);
                } else if (outputs.get(i) == null) {
                    live.get(i).answer().completeExceptionally(new NullPointerException("batch stage answered null for"
                            + " input " + i + " of " + live.size()));
                } else {
                    live.get(i).answer().complete(List.of(outputs.get(i)));
                }
            }
        });
    }
}
