package dev.sluice.topology.stage;

import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A stage: user code that takes one input and emits zero or more outputs, like a generator that
 * yields. Each stage of a pipeline runs as one named Kafka Streams processor.
 *
 * <p>A stage that throws fails only the job it was working on: the job ends in a FAILED result
 * naming the stage and the error, its raw record goes to the dead-letter topic, and the next job
 * runs; a stage that is also {@link Retrying} is tried again first, as its policy says.
 *
 * <p>One instance of each stage serves the whole pipeline: every task, on every stream thread (and,
 * for a stage with a time limit, the threads its calls run on), so it may be called from several
 * threads at once. Keep a stage free of mutable state, or make that state thread-safe; a stage that
 * needs something per thread (a parser that is not thread-safe) can hold it in a {@link ThreadLocal}.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
@FunctionalInterface
public interface Stage<I, O> {

    /** Processes one input, emitting its outputs through {@code out}. */
    void process(I input, StageContext context, Emitter<O> out) throws Exception;

    /**
     * The types of the job tasks this stage reads ({@link StageContext#task(String)}), e.g.
     * {@code split}. A job with a task that no stage of its pipeline reads fails at intake, rather
     * than running without the work it asked for. None by default.
     */
    default Set<String> taskTypes() {
        return Set.of();
    }

    /** A stage that emits {@code fn(input)} for every input. */
    static <I, O> Stage<I, O> map(Function<? super I, ? extends O> fn) {
        return (input, context, out) -> out.emit(fn.apply(input));
    }

    /** A stage that emits the inputs that pass {@code predicate} and drops the rest. */
    static <T> Stage<T, T> filter(Predicate<? super T> predicate) {
        return filter(predicate, "did not pass the filter");
    }

    /**
     * A stage that emits the inputs that pass {@code predicate} and drops the rest, noting
     * {@code "dropped: <reason>"} in the job's trace.
     */
    static <T> Stage<T, T> filter(Predicate<? super T> predicate, String reason) {
        return (input, context, out) -> {
            if (Condition.applies(predicate, input, context)) {
                out.emit(input);
            } else {
                context.note("dropped: " + reason);
            }
        };
    }
}
