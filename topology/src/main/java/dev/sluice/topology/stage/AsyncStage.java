package dev.sluice.topology.stage;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;

/**
 * A stage that calls a service: it starts a call for one input and returns at once with a
 * {@link CompletionStage} of the call's outputs (none, one, or, for a stage declared as a flat-map,
 * any number). The stream thread never waits for the call: while calls are in flight it reads and
 * processes other records, up to the stage's {@code concurrency} calls per task, at most {@code rate}
 * calls per second, each given at most {@code timeout}.
 *
 * <p>A call that completes exceptionally (or a {@code call} that throws) fails its job as a
 * {@link Stage} that throws does, after the stage's retries; a call past its timeout is cancelled and
 * counts as failed with a {@link java.util.concurrent.TimeoutException}. A call that completes with a
 * {@link SlowDown} is not a failure: the stage waits as long as it asks, lowers its rate, and calls
 * again.
 *
 * <p>Calls are at least once: after a crash or a rebalance the task's new owner calls again for
 * whatever was in flight. Pass {@link StageContext#idempotencyKey()} to the service so that it can
 * tell a repeated call from a new one.
 *
 * <p>One instance serves every task and stream thread of the pipeline, and the returned stage may
 * complete on any thread: keep it free of mutable shared state, or make that state thread-safe.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
@FunctionalInterface
public interface AsyncStage<I, O> {

    /** Starts the call for {@code input}; the stage completes with its outputs, in order. */
    CompletionStage<List<O>> call(I input, StageContext context) throws Exception;

    /**
     * The types of the job tasks this stage reads ({@link StageContext#task(String)}); see
     * {@link Stage#taskTypes()}. None by default.
     */
    default Set<String> taskTypes() {
        return Set.of();
    }

    /** A stage whose call completes with exactly one output, {@code fn}'s. */
    static <I, O> AsyncStage<I, O> of(BiFunction<? super I, StageContext, ? extends CompletionStage<O>> fn) {
        return (input, context) -> fn.apply(input, context).thenApply(List::of);
    }
}
