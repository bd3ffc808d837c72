package dev.sluice.topology.stage;

import java.util.List;

/**
 * A stage that works on many inputs at once, such as a call to an embedding service: receives up to
 * a batch's worth of inputs (from any jobs) and returns one output per input, in the same order.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
@FunctionalInterface
public interface BatchStage<I, O> {

    List<O> process(List<I> inputs) throws Exception;
}
