package dev.sluice.topology.stage;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * An asynchronous stage that calls its service with many inputs at once, from any jobs, the shape of
 * an embedding endpoint: the call completes with one output per input, in the same order. Sluice
 * gathers the inputs of its calls in flight into batches of up to {@code size}, or what came within
 * {@code linger} of the first; each input is still a call of its own for everything else (its slot in
 * {@code concurrency}, its timeout, its retries, its place in its job's order, its
 * {@link StageContext#idempotencyKey()} in {@code contexts}). A batch that fails, or completes with a
 * {@link SlowDown}, does so for each of its inputs.
 *
 * <p>One instance serves every task and stream thread, and batches mix them: keep it thread-safe.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
@FunctionalInterface
public interface AsyncBatchStage<I, O> {

    /** Starts one call for {@code inputs}; {@code contexts.get(i)} is the context of {@code inputs.get(i)}. */
    CompletionStage<List<O>> call(List<I> inputs, List<StageContext> contexts) throws Exception;
}
