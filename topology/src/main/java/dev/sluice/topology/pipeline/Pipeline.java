package dev.sluice.topology.pipeline;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.Job;
import dev.sluice.topology.stage.BatchStage;
import dev.sluice.topology.stage.GatherStage;
import dev.sluice.topology.stage.JoinStage;
import dev.sluice.topology.stage.RetryPolicy;
import dev.sluice.topology.stage.Retrying;
import dev.sluice.topology.stage.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * An immutable, validated pipeline: a graph of named stages between the source topic and the sink
 * topic. The entry stage receives the job's {@link Document} (or the whole {@link Job} if it asks
 * for one); every stage without a successor ends the job, so its output must be a type a result can
 * carry: {@link IngestedDocument}, {@link Document} or {@link Job}.
 *
 * <p>Shapes: a chain ({@link Builder#stage}, {@link Builder#flatMap}, {@link Builder#gather});
 * {@link Builder#branch} routes each job down one of several paths, or to a lane (a topic read by
 * the same downstream stages, which another group of instances can run alone);
 * {@link Builder#broadcast} sends every record to several stages; {@link Builder#join} combines the
 * records of two paths that belong to the same part of the same job; {@link Builder#batch} runs a
 * stage on groups of records. A stage takes its input from the stage added before it unless
 * {@link Builder#after} says otherwise; several inputs merge.
 *
 * <p>The pass-through pipeline ({@link #passThrough()}) has no stages: every job ends COMPLETED with
 * the job itself as output, for testing the plumbing.
 */
public final class Pipeline {

    /** The name of the pass-through pipeline. */
    public static final String PASS_THROUGH = "passthrough";

    /** Types a job's result can carry as its output. */
    public static final List<Class<?>> OUTPUT_TYPES = List.of(IngestedDocument.class, Document.class, Job.class);

    /** How long a gather waits for the parts of a group before it flushes what arrived, by default. */
    public static final Duration DEFAULT_GATHER_TIMEOUT = Duration.ofSeconds(30);

    /** How far apart in time the two records of a join may be, by default. */
    public static final Duration DEFAULT_JOIN_WINDOW = Duration.ofSeconds(30);

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");

    /** How a stage relates its outputs to its inputs. */
    public enum Kind {
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

        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * One way out of a branch: the records its predicate accepts go to stage {@code to}, or, with a
     * {@code lane}, through topic {@code <prefix>.jobs.<lane>} to the branch's default path.
     */
    public record Route(String label, Predicate<Object> predicate, String to, String lane) {
        public Route {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(predicate, "predicate");
            if ((to == null) == (lane == null)) {
                throw new IllegalArgumentException("route '" + label + "' goes either to a stage or to a lane");
            }
        }
    }

    /**
     * One stage of a pipeline.
     *
     * @param inputs the stages it reads from; empty for the entry stage, which reads the source topic
     * @param timeout for a gather, how long it waits for a group; for a join, its window; for a batch,
     *     the longest an input waits for its batch to fill
     * @param routes for a branch, its routes in order (the first that accepts a record takes it)
     * @param otherwise for a branch, where records no route accepts go
     * @param targets for a broadcast, the stages every record goes to
     * @param batchSize for a batch, the most inputs in one call
     * @param retry for a map, flat-map or batch stage, when it is tried again after it throws; by default
     *     what the stage declares ({@link Retrying}), else none
     * @param timeLimit for a map, flat-map or batch stage, the longest one call may take, or null for no
     *     limit: a call that runs longer is interrupted and fails its job(s) with a
     *     {@link java.util.concurrent.TimeoutException}, which a retry policy may retry
     */
    public record StageDefinition(String name, Kind kind, Class<?> inputType, Class<?> outputType, Object stage,
                                  Duration timeout, List<String> inputs, List<Route> routes, String otherwise,
                                  List<String> targets, int batchSize, RetryPolicy retry, Duration timeLimit,
                                  boolean streamsOutputs) {

        public StageDefinition {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(inputType, "inputType");
            Objects.requireNonNull(outputType, "outputType");
            if (stage == null && kind != Kind.BRANCH && kind != Kind.BROADCAST) {
                throw new NullPointerException("stage " + name + " has no implementation");
            }
            if (timeout == null) {
                timeout = kind == Kind.JOIN ? DEFAULT_JOIN_WINDOW
                        : kind == Kind.BATCH ? Duration.ofMillis(50) : DEFAULT_GATHER_TIMEOUT;
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout of stage " + name + " must be positive, was " + timeout);
            }
            inputs = inputs == null ? null : List.copyOf(inputs);
            routes = routes == null ? List.of() : List.copyOf(routes);
            targets = targets == null ? List.of() : List.copyOf(targets);
            if (timeLimit != null && (timeLimit.isNegative() || timeLimit.isZero())) {
                throw new IllegalArgumentException("time limit of stage " + name + " must be positive, was " + timeLimit);
            }
            if (retry == null) {
                retry = stage instanceof Retrying declared && declared.retryPolicy() != null
                        ? declared.retryPolicy() : RetryPolicy.NONE;
            }
        }

        /** A stage with the retry policy its implementation declares. */
        public StageDefinition(String name, Kind kind, Class<?> inputType, Class<?> outputType, Object stage,
                               Duration timeout, List<String> inputs, List<Route> routes, String otherwise,
                               List<String> targets, int batchSize) {
            this(name, kind, inputType, outputType, stage, timeout, inputs, routes, otherwise, targets, batchSize, null,
                    null, false);
        }

        /** A stage whose input is decided by the builder (the stage before it). */
        public StageDefinition(String name, Kind kind, Class<?> inputType, Class<?> outputType, Object stage) {
            this(name, kind, inputType, outputType, stage, null, null, null, null, null, 0);
        }

        public StageDefinition withInputs(List<String> newInputs) {
            return new StageDefinition(name, kind, inputType, outputType, stage, timeout, newInputs, routes, otherwise,
                    targets, batchSize, retry, timeLimit, streamsOutputs);
        }

        /** This stage, tried again after it throws as {@code policy} says. */
        public StageDefinition withRetry(RetryPolicy policy) {
            return new StageDefinition(name, kind, inputType, outputType, stage, timeout, inputs, routes, otherwise,
                    targets, batchSize, Objects.requireNonNull(policy, "policy"), timeLimit, streamsOutputs);
        }

        /** This stage, each call limited to {@code limit}. */
        public StageDefinition withTimeLimit(Duration limit) {
            return new StageDefinition(name, kind, inputType, outputType, stage, timeout, inputs, routes, otherwise,
                    targets, batchSize, retry, Objects.requireNonNull(limit, "limit"), streamsOutputs);
        }

        /**
         * This stage (a map or flat-map stage), sending each output it makes for a job as an OUTPUT event
         * on the events topic as well, for those who follow the job: its partial outputs, as they come.
         */
        public StageDefinition withStreamedOutputs() {
            return new StageDefinition(name, kind, inputType, outputType, stage, timeout, inputs, routes, otherwise,
                    targets, batchSize, retry, timeLimit, true);
        }

        StageDefinition withOtherwise(String next) {
            return new StageDefinition(name, kind, inputType, outputType, stage, timeout, inputs, routes, next,
                    targets, batchSize, retry, timeLimit, streamsOutputs);
        }

        /** Whether any route of this branch leads to a lane. */
        public boolean hasLanes() {
            return routes.stream().anyMatch(r -> r.lane() != null);
        }

        @Override
        public String toString() {
            return name + " (" + kind.label() + ": " + inputType.getSimpleName() + " -> " + outputType.getSimpleName() + ")";
        }
    }

    private final String name;
    private final List<StageDefinition> stages;
    private final Map<String, StageDefinition> byName;
    private final Map<String, List<String>> successors;

    private Pipeline(String name, List<StageDefinition> stages) {
        this.name = name;
        this.stages = List.copyOf(stages);
        this.byName = new LinkedHashMap<>();
        for (StageDefinition stage : stages) {
            byName.put(stage.name(), stage);
        }
        this.successors = successorsOf(stages);
    }

    /** A builder for a pipeline called {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The no-op pipeline: each job ends COMPLETED with the job itself as output. */
    public static Pipeline passThrough() {
        return new Pipeline(PASS_THROUGH, List.of());
    }

    public String name() {
        return name;
    }

    /** The stages in the order they were added; every stage comes after its inputs. */
    /** The job task types that the pipeline's stages read ({@link Stage#taskTypes()}), sorted. */
    public SortedSet<String> taskTypes() {
        SortedSet<String> types = new TreeSet<>();
        for (StageDefinition stage : stages) {
            if (stage.stage() instanceof Stage<?, ?> s) {
                types.addAll(s.taskTypes());
            }
        }
        return types;
    }

    public List<StageDefinition> stages() {
        return stages;
    }

    public StageDefinition stage(String stageName) {
        StageDefinition stage = byName.get(stageName);
        if (stage == null) {
            throw new IllegalArgumentException("pipeline " + name + " has no stage " + stageName);
        }
        return stage;
    }

    /** The stages that read from {@code stageName}, in the order they were added. */
    public List<String> successors(String stageName) {
        return successors.getOrDefault(stageName, List.of());
    }

    /** The stage that reads the source topic, or null for the pass-through pipeline. */
    public StageDefinition entry() {
        return stages.isEmpty() ? null : stages.get(0);
    }

    /** The lanes the pipeline's branches use, in order of appearance. */
    public Set<String> lanes() {
        Set<String> lanes = new LinkedHashSet<>();
        for (StageDefinition stage : stages) {
            for (Route route : stage.routes()) {
                if (route.lane() != null) {
                    lanes.add(route.lane());
                }
            }
        }
        return lanes;
    }

    /** The stage a lane's records continue at: the default path of the branch that writes the lane. */
    public StageDefinition laneEntry(String lane) {
        for (StageDefinition stage : stages) {
            for (Route route : stage.routes()) {
                if (lane.equals(route.lane())) {
                    return stage(stage.otherwise());
                }
            }
        }
        throw new IllegalArgumentException("pipeline " + name + " has no lane " + lane);
    }

    /** The stages reachable from {@code from}, {@code from} included, in the order they were added. */
    public List<StageDefinition> reachableFrom(String from) {
        Set<String> seen = new HashSet<>();
        List<String> todo = new ArrayList<>(List.of(from));
        while (!todo.isEmpty()) {
            String next = todo.remove(todo.size() - 1);
            if (seen.add(next)) {
                todo.addAll(successors(next));
            }
        }
        return stages.stream().filter(s -> seen.contains(s.name())).toList();
    }

    public boolean isPassThrough() {
        return stages.isEmpty();
    }

    /** What the entry stage receives: {@code Job.class} or {@code Document.class}. */
    public Class<?> inputType() {
        return inputTypeOf(entry());
    }

    /** What {@code stage} receives from an intake: {@code Job.class} or {@code Document.class}. */
    public static Class<?> inputTypeOf(StageDefinition stage) {
        return stage == null || stage.inputType().isAssignableFrom(Job.class) ? Job.class : Document.class;
    }

    @Override
    public String toString() {
        return "Pipeline[" + name + ": " + stages + "]";
    }

    private static Map<String, List<String>> successorsOf(List<StageDefinition> stages) {
        Map<String, List<String>> successors = new HashMap<>();
        for (StageDefinition stage : stages) {
            for (String input : stage.inputs() == null ? List.<String>of() : stage.inputs()) {
                successors.computeIfAbsent(input, k -> new ArrayList<>()).add(stage.name());
            }
        }
        return successors;
    }

    /** Builds a branch's routes. */
    public static final class BranchBuilder<T> {
        private final List<Route> routes = new ArrayList<>();
        private String otherwise;

        /** Records {@code predicate} accepts (the first route that accepts takes a record) go to {@code stage}. */
        @SuppressWarnings("unchecked")
        public BranchBuilder<T> when(String label, Predicate<? super T> predicate, String stage) {
            routes.add(new Route(label, (Predicate<Object>) predicate, stage, null));
            return this;
        }

        /** Records {@code predicate} accepts go through {@code <prefix>.jobs.<lane>} to the default path. */
        @SuppressWarnings("unchecked")
        public BranchBuilder<T> whenLane(String label, Predicate<? super T> predicate, String lane) {
            routes.add(new Route(label, (Predicate<Object>) predicate, null, lane));
            return this;
        }

        /** Records no route accepts go to {@code stage}; by default, to the stage added after the branch. */
        public BranchBuilder<T> otherwise(String stage) {
            this.otherwise = stage;
            return this;
        }
    }

    /** Builds a pipeline stage by stage; {@link #build()} validates the whole graph. */
    public static final class Builder {

        private final String name;
        private final List<StageDefinition> stages = new ArrayList<>();

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /** Adds a stage that emits at most one output per input (a map or a filter). */
        public <I, O> Builder stage(String stageName, Class<I> in, Class<O> out, Stage<? super I, ? extends O> stage) {
            return add(new StageDefinition(stageName, Kind.STAGE, in, out, stage));
        }

        /** Adds a stage that may emit many outputs per input, to be gathered by a later gather stage. */
        public <I, O> Builder flatMap(String stageName, Class<I> in, Class<O> out, Stage<? super I, ? extends O> stage) {
            return add(new StageDefinition(stageName, Kind.FLAT_MAP, in, out, stage));
        }

        /** Adds a stage that combines all parts of the nearest fan-out before it into one output. */
        public <I, O> Builder gather(String stageName, Class<I> in, Class<O> out, GatherStage<? super I, ? extends O> stage) {
            return gather(stageName, in, out, stage, DEFAULT_GATHER_TIMEOUT);
        }

        /**
         * Adds a gather that waits at most {@code timeout} for the parts of a group, then combines what
         * arrived and marks the job's result partial.
         */
        public <I, O> Builder gather(String stageName, Class<I> in, Class<O> out, GatherStage<? super I, ? extends O> stage,
                                     Duration timeout) {
            return add(new StageDefinition(stageName, Kind.GATHER, in, out, stage, timeout, null, null, null, null, 0));
        }

        /** Adds a branch: each record goes down the first route that accepts it, or the default path. */
        public <T> Builder branch(String stageName, Class<T> type, Consumer<BranchBuilder<T>> routes) {
            BranchBuilder<T> branch = new BranchBuilder<>();
            routes.accept(branch);
            return add(new StageDefinition(stageName, Kind.BRANCH, type, type, null, null, null, branch.routes,
                    branch.otherwise, null, 0));
        }

        /** Adds a broadcast: every record goes to each of {@code targets}, which are added after it. */
        public <T> Builder broadcast(String stageName, Class<T> type, String... targets) {
            return add(new StageDefinition(stageName, Kind.BROADCAST, type, type, null, null, null, null, null,
                    List.of(targets), 0));
        }

        /**
         * Adds a join of the records of stages {@code left} and {@code right} that belong to the same part
         * of the same job, at most {@code window} apart.
         */
        public <L, R, O> Builder join(String stageName, String left, String right, Class<L> leftType, Class<R> rightType,
                                      Class<O> out, JoinStage<? super L, ? super R, ? extends O> stage, Duration window) {
            return add(new StageDefinition(stageName, Kind.JOIN, leftType, out, new JoinSides(stage, leftType, rightType),
                    window, List.of(left, right), null, null, null, 0));
        }

        /** Adds a stage run on batches of up to {@code size} inputs, each waiting at most {@code linger}. */
        public <I, O> Builder batch(String stageName, Class<I> in, Class<O> out, BatchStage<? super I, ? extends O> stage,
                                    int size, Duration linger) {
            if (size < 1) {
                throw new IllegalArgumentException("batch size of stage " + stageName + " must be at least 1, was " + size);
            }
            return add(new StageDefinition(stageName, Kind.BATCH, in, out, stage, linger, null, null, null, null, size));
        }

        /** Makes the stage added last read from {@code inputs} instead of the stage before it. */
        public Builder after(String... inputs) {
            return changeLast("after() names the inputs of", last -> last.withInputs(List.of(inputs)));
        }

        /**
         * Makes the stage added last (a map, flat-map or batch stage) try again after it throws, as
         * {@code policy} says, instead of as its implementation declares.
         */
        public Builder retry(RetryPolicy policy) {
            return changeLast("retry() sets the policy of", last -> last.withRetry(policy));
        }

        /**
         * Limits each call of the stage added last (a map, flat-map or batch stage) to {@code limit}: a
         * call that runs longer is interrupted and fails its job(s) with a
         * {@link java.util.concurrent.TimeoutException}, so that a stage that hangs costs one job, not
         * the stream thread. Such a stage runs on a thread of its own, handed each input.
         */
        public Builder timeLimit(Duration limit) {
            return changeLast("timeLimit() limits", last -> last.withTimeLimit(limit));
        }

        /**
         * Makes the stage added last (a map or flat-map stage) stream its outputs: each output it makes
         * for a job also goes out as an OUTPUT event on the events topic, so that whoever follows the job
         * ({@code JobClient.events}, {@code GET /v1/jobs/{id}/events}) sees its partial outputs as they come,
         * before its result.
         */
        public Builder streamOutputs() {
            return changeLast("streamOutputs() makes stream its outputs", StageDefinition::withStreamedOutputs);
        }

        /** Replaces the stage added last by {@code change} of it; {@code what} says what the call does to it. */
        private Builder changeLast(String what, UnaryOperator<StageDefinition> change) {
            if (stages.isEmpty()) {
                throw new IllegalStateException(what + " the stage added last; add one first");
            }
            int last = stages.size() - 1;
            stages.set(last, change.apply(stages.get(last)));
            return this;
        }

        /** Adds a stage defined elsewhere, e.g. from a configuration file. */
        public Builder add(StageDefinition definition) {
            stages.add(Objects.requireNonNull(definition, "definition"));
            return this;
        }

        /**
         * Validates and builds the pipeline.
         *
         * @throws InvalidPipelineException naming every stage or edge that is wrong
         */
        public Pipeline build() {
            List<StageDefinition> resolved = inferTypes(resolveInputs());
            List<String> problems = new PipelineValidator(name, resolved).validate();
            if (!problems.isEmpty()) {
                throw new InvalidPipelineException(name, problems);
            }
            return new Pipeline(name, PipelineValidator.topologicalOrder(resolved));
        }

        /**
         * A stage declared with Object in and out (a branch, a broadcast, a filter from a configuration
         * file) passes its input on: it takes the type of the stage it reads from.
         */
        private static List<StageDefinition> inferTypes(List<StageDefinition> stages) {
            Map<String, StageDefinition> byName = new LinkedHashMap<>();
            stages.forEach(s -> byName.put(s.name(), s));
            List<StageDefinition> ordered = PipelineValidator.topologicalOrder(stages);
            for (StageDefinition stage : ordered) {
                StageDefinition current = byName.get(stage.name());
                if (current.inputType() == Object.class && current.outputType() == Object.class
                        && !current.inputs().isEmpty() && byName.containsKey(current.inputs().get(0))) {
                    Class<?> type = byName.get(current.inputs().get(0)).outputType();
                    byName.put(stage.name(), new StageDefinition(current.name(), current.kind(), type, type,
                            current.stage(), current.timeout(), current.inputs(), current.routes(), current.otherwise(),
                            current.targets(), current.batchSize()));
                } else if (current.inputType() == Object.class && current.outputType() == Object.class
                        && current.inputs().isEmpty()) {
                    byName.put(stage.name(), new StageDefinition(current.name(), current.kind(), Document.class,
                            Document.class, current.stage(), current.timeout(), current.inputs(), current.routes(),
                            current.otherwise(), current.targets(), current.batchSize()));
                }
            }
            return stages.stream().map(s -> byName.get(s.name())).toList();
        }

        /**
         * Fills in the implicit edges: a stage reads from the stage before it, a broadcast's target from
         * the broadcast, a route's target from its branch, and a branch's default path (the first stage
         * after it that no route names) from the branch.
         */
        private List<StageDefinition> resolveInputs() {
            Map<String, List<String>> implicit = new LinkedHashMap<>();
            for (int i = 0; i < stages.size(); i++) {
                StageDefinition stage = stages.get(i);
                for (String target : stage.targets()) {
                    implicit.computeIfAbsent(target, k -> new ArrayList<>()).add(stage.name());
                }
                for (Route route : stage.routes()) {
                    if (route.to() != null) {
                        implicit.computeIfAbsent(route.to(), k -> new ArrayList<>()).add(stage.name());
                    }
                }
            }
            List<StageDefinition> resolved = new ArrayList<>(stages.size());
            for (int i = 0; i < stages.size(); i++) {
                StageDefinition stage = stages.get(i);
                if (stage.kind() == Kind.BRANCH && stage.otherwise() == null) {
                    for (int j = i + 1; j < stages.size(); j++) {
                        if (!implicit.containsKey(stages.get(j).name())) {
                            stage = stage.withOtherwise(stages.get(j).name());
                            implicit.computeIfAbsent(stages.get(j).name(), k -> new ArrayList<>()).add(stage.name());
                            break;
                        }
                    }
                } else if (stage.kind() == Kind.BRANCH) {
                    implicit.computeIfAbsent(stage.otherwise(), k -> new ArrayList<>()).add(stage.name());
                }
                resolved.add(stage);
            }
            for (int i = 0; i < resolved.size(); i++) {
                StageDefinition stage = resolved.get(i);
                if (stage.inputs() == null) {
                    List<String> inputs = implicit.containsKey(stage.name()) ? implicit.get(stage.name())
                            : i == 0 ? List.of() : List.of(resolved.get(i - 1).name());
                    resolved.set(i, stage.withInputs(inputs));
                }
            }
            return resolved;
        }
    }

    /** A join's stage and the types of its two sides. */
    public record JoinSides(JoinStage<?, ?, ?> stage, Class<?> leftType, Class<?> rightType) {
    }
}
