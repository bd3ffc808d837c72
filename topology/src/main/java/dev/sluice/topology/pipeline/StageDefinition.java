package dev.sluice.topology.pipeline;

import dev.sluice.topology.stage.AsyncStage;
import dev.sluice.topology.stage.BatchStage;
import dev.sluice.topology.stage.GatherStage;
import dev.sluice.topology.stage.JoinStage;
import dev.sluice.topology.stage.RetryPolicy;
import dev.sluice.topology.stage.Retrying;
import dev.sluice.topology.stage.Stage;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * One stage of a pipeline: a record per kind, each holding what that kind needs and nothing else.
 * {@link Pipeline.Builder} makes them, as do a {@link StageFactory} and a configuration file.
 *
 * <p>Every kind has a name, the stages it reads from ({@code inputs}: empty for the entry stage, which
 * reads the source topic; null until the builder fills in the implicit edges), and the types it takes
 * and emits.
 */
public sealed interface StageDefinition {

    /** How long a gather waits for the parts of a group before it flushes what arrived, by default. */
    Duration DEFAULT_GATHER_TIMEOUT = Duration.ofSeconds(30);

    /** How far apart in time the two records of a join may be, by default. */
    Duration DEFAULT_JOIN_WINDOW = Duration.ofSeconds(30);

    /** How long an input waits for its batch to fill, by default. */
    Duration DEFAULT_BATCH_LINGER = Duration.ofMillis(50);

    /** How many inputs a batch holds at most, by default. */
    int DEFAULT_BATCH_SIZE = 32;

    /** How many calls of an asynchronous stage one task has in flight at most, by default. */
    int DEFAULT_CONCURRENCY = 32;

    /** How long one call of an asynchronous stage may take, by default. */
    Duration DEFAULT_ASYNC_TIMEOUT = Duration.ofSeconds(30);

    /** The stage's name, unique in its pipeline. */
    String name();

    /** The stages it reads from: empty for the entry stage; null until the builder resolves the edges. */
    List<String> inputs();

    /** What it takes (a join: from its left side). */
    Class<?> inputType();

    /** What it emits. */
    Class<?> outputType();

    /** Its kind, as descriptions and messages name it. */
    Kind kind();

    /** This stage, reading from {@code inputs}. */
    StageDefinition withInputs(List<String> inputs);

    /** How a stage relates its outputs to its inputs, as descriptions and messages call it. */
    enum Kind {
        /** at most one output per input (map, filter) */
        STAGE,
        /** any number of outputs per input, to be gathered later (split) */
        FLAT_MAP,
        /** all parts of the nearest fan-out in, one output out (assemble) */
        GATHER,
        /** each input down one of several paths or lanes */
        BRANCH,
        /** each input to several stages */
        BROADCAST,
        /** one record from each of two paths, for the same part of the same job, in; one out */
        JOIN,
        /** inputs grouped for one call, one output per input */
        BATCH;

        /** The kind as descriptions and messages write it, e.g. {@code flat-map}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * One way out of a branch: the records its predicate accepts go to stage {@code to}, or, with a
     * {@code lane}, through topic {@code <prefix>.jobs.<lane>} to the branch's default path.
     */
    record Route(String label, Predicate<Object> predicate, String to, String lane) {
        public Route {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(predicate, "predicate");
            if ((to == null) == (lane == null)) {
                throw new IllegalArgumentException("route '" + label + "' goes either to a stage or to a lane");
            }
        }
    }

    /**
     * How a stage that runs the user's code calls it: when it tries again after the code throws
     * ({@code retry}: by default what the code declares through {@link Retrying}, else none), the longest
     * one call may take ({@code timeLimit}, null for no limit: a call that runs longer is interrupted and
     * fails its job(s) with a {@link java.util.concurrent.TimeoutException}), and, for a map, filter or
     * flat-map, whether each output also goes out as an OUTPUT event on the events topic.
     */
    record Calls(RetryPolicy retry, Duration timeLimit, boolean streamsOutputs) {

        public Calls {
            Objects.requireNonNull(retry, "retry");
            if (timeLimit != null && (timeLimit.isNegative() || timeLimit.isZero())) {
                throw new IllegalArgumentException("a time limit must be positive, was " + timeLimit);
            }
        }

        /** The calls of {@code code}: its declared retry policy, no time limit, no streamed outputs. */
        public static Calls of(Object code) {
            return new Calls(code instanceof Retrying declared && declared.retryPolicy() != null
                    ? declared.retryPolicy() : RetryPolicy.NONE, null, false);
        }

        Calls withRetry(RetryPolicy policy) {
            return new Calls(Objects.requireNonNull(policy, "policy"), timeLimit, streamsOutputs);
        }

        Calls withTimeLimit(Duration limit) {
            return new Calls(retry, Objects.requireNonNull(limit, "limit"), streamsOutputs);
        }

        Calls withStreamedOutputs() {
            return new Calls(retry, timeLimit, true);
        }
    }

    /** A stage that runs the user's code on each input, or on each batch, as its {@link Calls} say. */
    sealed interface Calling extends StageDefinition {

        /** How it calls the code. */
        Calls calls();

        /** This stage, calling its code as {@code newCalls} say. */
        Calling withCalls(Calls newCalls);

        /** When it is tried again after it throws. */
        default RetryPolicy retry() {
            return calls().retry();
        }

        /** The longest one call may take, or null for no limit. */
        default Duration timeLimit() {
            return calls().timeLimit();
        }

        /** This stage, tried again after it throws as {@code policy} says. */
        default Calling withRetry(RetryPolicy policy) {
            return withCalls(calls().withRetry(policy));
        }

        /** This stage, each call limited to {@code limit}. */
        default Calling withTimeLimit(Duration limit) {
            return withCalls(calls().withTimeLimit(limit));
        }
    }

    /**
     * A map, filter or flat-map: one call per input, whose outputs can also go out, as they are made, as
     * OUTPUT events on the events topic.
     */
    sealed interface PerInput extends Calling {

        /** The code run on each input. */
        Stage<?, ?> stage();

        /** Whether each output also goes out as an OUTPUT event. */
        default boolean streamsOutputs() {
            return calls().streamsOutputs();
        }

        /** This stage, sending each output it makes for a job as an OUTPUT event as well. */
        default Calling withStreamedOutputs() {
            return withCalls(calls().withStreamedOutputs());
        }
    }

    /** A map: at most one output per input. */
    record Map(String name, Class<?> inputType, Class<?> outputType, Stage<?, ?> stage, List<String> inputs,
               Calls calls) implements PerInput {

        public Map {
            Checks.common(name, inputType, outputType, stage);
            inputs = Checks.inputs(inputs);
            calls = calls == null ? Calls.of(stage) : calls;
        }

        /** A map of {@code stage}, reading from the stage before it, with the retry policy it declares. */
        public Map(String name, Class<?> inputType, Class<?> outputType, Stage<?, ?> stage) {
            this(name, inputType, outputType, stage, null, null);
        }

        @Override
        public Kind kind() {
            return Kind.STAGE;
        }

        @Override
        public Map withInputs(List<String> newInputs) {
            return new Map(name, inputType, outputType, stage, newInputs, calls);
        }

        @Override
        public Map withCalls(Calls newCalls) {
            return new Map(name, inputType, outputType, stage, inputs, newCalls);
        }

        @Override
        public String toString() {
            return Checks.toString(this);
        }
    }

    /** A flat-map: any number of outputs per input, each a part of the job until a gather brings them together. */
    record FlatMap(String name, Class<?> inputType, Class<?> outputType, Stage<?, ?> stage, List<String> inputs,
                   Calls calls) implements PerInput {

        public FlatMap {
            Checks.common(name, inputType, outputType, stage);
            inputs = Checks.inputs(inputs);
            calls = calls == null ? Calls.of(stage) : calls;
        }

        /** A flat-map of {@code stage}, reading from the stage before it, with the retry policy it declares. */
        public FlatMap(String name, Class<?> inputType, Class<?> outputType, Stage<?, ?> stage) {
            this(name, inputType, outputType, stage, null, null);
        }

        @Override
        public Kind kind() {
            return Kind.FLAT_MAP;
        }

        @Override
        public FlatMap withInputs(List<String> newInputs) {
            return new FlatMap(name, inputType, outputType, stage, newInputs, calls);
        }

        @Override
        public FlatMap withCalls(Calls newCalls) {
            return new FlatMap(name, inputType, outputType, stage, inputs, newCalls);
        }

        @Override
        public String toString() {
            return Checks.toString(this);
        }
    }

    /**
     * A filter: the inputs {@code predicate} accepts go on, the others are dropped with
     * {@code "dropped: <reason>"} in the job's trace. Declared with {@code Object} (in a configuration
     * file), it takes the type of the stage it reads from.
     */
    record Filter(String name, Class<?> type, Predicate<Object> predicate, String reason, List<String> inputs,
                  Calls calls) implements PerInput {

        public Filter {
            Checks.common(name, type, type, predicate);
            Objects.requireNonNull(reason, "reason");
            inputs = Checks.inputs(inputs);
            calls = calls == null ? Calls.of(predicate) : calls;
        }

        /** A filter reading from the stage before it. */
        public Filter(String name, Class<?> type, Predicate<Object> predicate, String reason) {
            this(name, type, predicate, reason, null, null);
        }

        @Override
        public Class<?> inputType() {
            return type;
        }

        @Override
        public Class<?> outputType() {
            return type;
        }

        @Override
        public Stage<?, ?> stage() {
            return Stage.filter(predicate, reason);
        }

        @Override
        public Kind kind() {
            return Kind.STAGE;
        }

        /** This filter, taking and emitting {@code newType}. */
        public Filter withType(Class<?> newType) {
            return new Filter(name, newType, predicate, reason, inputs, calls);
        }

        @Override
        public Filter withInputs(List<String> newInputs) {
            return new Filter(name, type, predicate, reason, newInputs, calls);
        }

        @Override
        public Filter withCalls(Calls newCalls) {
            return new Filter(name, type, predicate, reason, inputs, newCalls);
        }

        @Override
        public String toString() {
            return Checks.toString(this);
        }
    }

    /**
     * A branch: each record goes down the first of {@code routes} that accepts it, or to
     * {@code otherwise}, the default path (by default the first stage added after it that no route names).
     * Declared with {@code Object}, it takes the type of the stage it reads from.
     */
    record Branch(String name, Class<?> type, List<Route> routes, String otherwise, List<String> inputs)
            implements StageDefinition {

        public Branch {
            Checks.common(name, type, type, routes);
            routes = List.copyOf(routes);
            inputs = Checks.inputs(inputs);
        }

        @Override
        public Class<?> inputType() {
            return type;
        }

        @Override
        public Class<?> outputType() {
            return type;
        }

        @Override
        public Kind kind() {
            return Kind.BRANCH;
        }

        /** Whether any route leads to a lane. */
        public boolean hasLanes() {
            return routes.stream().anyMatch(r -> r.lane() != null);
        }

        /** This branch, taking and emitting {@code newType}. */
        public Branch withType(Class<?> newType) {
            return new Branch(name, newType, routes, otherwise, inputs);
        }

        /** This branch, with {@code next} as its default path. */
        public Branch withOtherwise(String next) {
            return new Branch(name, type, routes, next, inputs);
        }

        @Override
        public Branch withInputs(List<String> newInputs) {
            return new Branch(name, type, routes, otherwise, newInputs);
        }

        @Override
        public String toString() {
            return Checks.toString(this);
        }
    }

    /**
     * A broadcast: every record goes to each of {@code targets}. Declared with {@code Object}, it takes the
     * type of the stage it reads from.
     */
    record Broadcast(String name, Class<?> type, List<String> targets, List<String> inputs) implements StageDefinition {

        public Broadcast {
            Checks.common(name, type, type, targets);
            targets = List.copyOf(targets);
            inputs = Checks.inputs(inputs);
        }

        @Override
        public Class<?> inputType() {
            return type;
        }

        @Override
        public Class<?> outputType() {
            return type;
        }

        @Override
        public Kind kind() {
            return Kind.BROADCAST;
        }

        /** This broadcast, taking and emitting {@code newType}. */
        public Broadcast withType(Class<?> newType) {
            return new Broadcast(name, newType, targets, inputs);
        }

        @Override
        public Broadcast withInputs(List<String> newInputs) {
            return new Broadcast(name, type, targets, newInputs);
        }

        @Override
        public String toString() {
            return Checks.toString(this);
        }
    }

    /**
     * A join: pairs the record of its left and its right input (its two {@code inputs}, in that order)
     * that belong to the same part of the same job, at most {@code window} apart.
     */
    record Join(String name, Class<?> leftType, Class<?> rightType, Class<?> outputType, JoinStage<?, ?, ?> stage,
                Duration window, List<String> inputs) implements StageDefinition {

        public Join {
            Checks.common(name, leftType, outputType, stage);
            Objects.requireNonNull(rightType, "rightType");
            window = Checks.positive(name, "window", window == null ? DEFAULT_JOIN_WINDOW : window);
            inputs = Checks.inputs(inputs);
        }

        /** A join whose sides are named later (a configuration file's {@code join: [left, right]}). */
        public Join(String name, Class<?> leftType, Class<?> rightType, Class<?> outputType, JoinStage<?, ?, ?> stage) {
            this(name, leftType, rightType, outputType, stage, null, null);
        }

        @Override
        public Class<?> inputType() {
            return leftType;
        }

        @Override
        public Kind kind() {
            return Kind.JOIN;
        }

        /** This join, with {@code newWindow}. */
        public Join withWindow(Duration newWindow) {
            return new Join(name, leftType, rightType, outputType, stage, newWindow, inputs);
        }

        @Override
        public Join withInputs(List<String> newInputs) {
            return new Join(name, leftType, rightType, outputType, stage, window, newInputs);
        }

        @Override
        public String toString() {
            return Checks.toString(this);
        }
    }

    /**
     * A gather: all parts of the nearest fan-out before it in, combined into one output; after
     * {@code timeout} it combines what arrived, and the job's result is marked partial.
     */
    record Gather(String name, Class<?> inputType, Class<?> outputType, GatherStage<?, ?> stage, Duration timeout,
                  List<String> inputs) implements StageDefinition {

        public Gather {
            Checks.common(name, inputType, outputType, stage);
            timeout = Checks.positive(name, "timeout", timeout == null ? DEFAULT_GATHER_TIMEOUT : timeout);
            inputs = Checks.inputs(inputs);
        }

        /** A gather of {@code stage} with the default timeout, reading from the stage before it. */
        public Gather(String name, Class<?> inputType, Class<?> outputType, GatherStage<?, ?> stage) {
            this(name, inputType, outputType, stage, null, null);
        }

        @Override
        public Kind kind() {
            return Kind.GATHER;
        }

        /** This gather, waiting at most {@code newTimeout}. */
        public Gather withTimeout(Duration newTimeout) {
            return new Gather(name, inputType, outputType, stage, newTimeout, inputs);
        }

        @Override
        public Gather withInputs(List<String> newInputs) {
            return new Gather(name, inputType, outputType, stage, timeout, newInputs);
        }

        @Override
        public String toString() {
            return Checks.toString(this);
        }
    }

    /**
     * A batch: inputs from any jobs wait until there are {@code size} of them or the oldest has waited
     * {@code linger}, then go to the stage in one call, one output per input.
     */
    record Batch(String name, Class<?> inputType, Class<?> outputType, BatchStage<?, ?> stage, int size,
                 Duration linger, List<String> inputs, Calls calls) implements Calling {

        public Batch {
            Checks.common(name, inputType, outputType, stage);
            if (size < 1) {
                throw new IllegalArgumentException("batch size of stage " + name + " must be at least 1, was " + size);
            }
            linger = Checks.positive(name, "linger", linger == null ? DEFAULT_BATCH_LINGER : linger);
            inputs = Checks.inputs(inputs);
            calls = calls == null ? Calls.of(stage) : calls;
        }

        /** A batch of {@code stage} of the default size and linger, reading from the stage before it. */
        public Batch(String name, Class<?> inputType, Class<?> outputType, BatchStage<?, ?> stage) {
            this(name, inputType, outputType, stage, DEFAULT_BATCH_SIZE, null, null, null);
        }

        @Override
        public Kind kind() {
            return Kind.BATCH;
        }

        /** This batch, of at most {@code newSize} inputs, each waiting at most {@code newLinger}. */
        public Batch withBatching(int newSize, Duration newLinger) {
            return new Batch(name, inputType, outputType, stage, newSize, newLinger, inputs, calls);
        }

        @Override
        public Batch withInputs(List<String> newInputs) {
            return new Batch(name, inputType, outputType, stage, size, linger, newInputs, calls);
        }

        @Override
        public Batch withCalls(Calls newCalls) {
            return new Batch(name, inputType, outputType, stage, size, linger, inputs, newCalls);
        }

        @Override
        public String toString() {
            return Checks.toString(this);
        }
    }

    /**
     * An asynchronous stage: each input starts a call that the stage returns at once, as a
     * {@link java.util.concurrent.CompletionStage} of its outputs; at most {@code concurrency} calls of one
     * task are in flight, at most {@code rate} start per second in one instance (0: no limit), and each
     * may take its time limit ({@link #timeout()}). At most one output per input, or, when
     * {@code fansOut}, any number, each a part of the job as a flat-map's are.
     */
    record Async(String name, Class<?> inputType, Class<?> outputType, AsyncStage<?, ?> stage, boolean fansOut,
                 int concurrency, double rate, List<String> inputs, Calls calls) implements Calling {

        public Async {
            Checks.common(name, inputType, outputType, stage);
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency of stage " + name + " must be at least 1, was "
                        + concurrency);
            }
            if (!(rate >= 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException("rate of stage " + name + " must be a number of calls per second,"
                        + " 0 for no limit, was " + rate);
            }
            inputs = Checks.inputs(inputs);
            calls = calls == null ? Calls.of(stage) : calls;
        }

        /** An asynchronous stage of {@code stage} with the default concurrency, no rate limit and the default timeout. */
        public Async(String name, Class<?> inputType, Class<?> outputType, AsyncStage<?, ?> stage, boolean fansOut) {
            this(name, inputType, outputType, stage, fansOut, DEFAULT_CONCURRENCY, 0, null, null);
        }

        /** The longest one call may take: its time limit, or {@link #DEFAULT_ASYNC_TIMEOUT}. */
        public Duration timeout() {
            return calls.timeLimit() == null ? DEFAULT_ASYNC_TIMEOUT : calls.timeLimit();
        }

        @Override
        public Kind kind() {
            return fansOut ? Kind.FLAT_MAP : Kind.STAGE;
        }

        /** This stage, with at most {@code newConcurrency} calls in flight per task. */
        public Async withConcurrency(int newConcurrency) {
            return new Async(name, inputType, outputType, stage, fansOut, newConcurrency, rate, inputs, calls);
        }

        /** This stage, starting at most {@code newRate} calls per second in one instance (0: no limit). */
        public Async withRate(double newRate) {
            return new Async(name, inputType, outputType, stage, fansOut, concurrency, newRate, inputs, calls);
        }

        @Override
        public Async withInputs(List<String> newInputs) {
            return new Async(name, inputType, outputType, stage, fansOut, concurrency, rate, newInputs, calls);
        }

        @Override
        public Async withCalls(Calls newCalls) {
            return new Async(name, inputType, outputType, stage, fansOut, concurrency, rate, inputs, newCalls);
        }

        @Override
        public String toString() {
            return Checks.toString(this);
        }
    }
}
