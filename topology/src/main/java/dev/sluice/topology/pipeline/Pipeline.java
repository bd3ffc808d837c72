package dev.sluice.topology.pipeline;

import dev.sluice.serdes.PayloadType;
import dev.sluice.topology.pipeline.StageDefinition.Route;
import dev.sluice.topology.stage.AsyncBatchStage;
import dev.sluice.topology.stage.AsyncStage;
import dev.sluice.topology.stage.BatchStage;
import dev.sluice.topology.stage.GatherStage;
import dev.sluice.topology.stage.JoinStage;
import dev.sluice.topology.stage.RetryPolicy;
import dev.sluice.topology.stage.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * An immutable, validated pipeline: a graph of named stages between the source topic and the sink
 * topic. A job carries a payload of the pipeline's {@link #input() input type}, which the entry stage
 * receives; every stage without a successor ends the job, and its output, of the pipeline's
 * {@link #output() output type}, is what the job's result carries. Both are Avro records (a
 * generated class, or a schema read as GenericRecords), declared with {@link Builder#input} and
 * {@link Builder#output} or told from the first and last stages' classes.
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
 * its payload, as it came, as output, for testing the plumbing.
 */
public final class Pipeline {

    /** The name of the pass-through pipeline. */
    public static final String PASS_THROUGH = "passthrough";

    private final String name;
    private final List<StageDefinition> stages;
    private final PayloadType<?> input;
    private final PayloadType<?> output;
    private final Map<String, StageDefinition> byName;
    private final Map<String, List<String>> successors;

    private Pipeline(String name, List<StageDefinition> stages, PayloadType<?> input, PayloadType<?> output) {
        this.name = name;
        this.stages = List.copyOf(stages);
        this.input = input;
        this.output = output;
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

    /** The no-op pipeline: each job ends COMPLETED with its payload, as it came, as output. */
    public static Pipeline passThrough() {
        return new Pipeline(PASS_THROUGH, List.of(), PayloadType.any(), PayloadType.any());
    }

    public String name() {
        return name;
    }

    /** The job task types that the pipeline's stages read ({@link Stage#taskTypes()}), sorted. */
    public SortedSet<String> taskTypes() {
        SortedSet<String> types = new TreeSet<>();
        for (StageDefinition stage : stages) {
            if (stage instanceof StageDefinition.PerInput perInput) {
                types.addAll(perInput.stage().taskTypes());
            } else if (stage instanceof StageDefinition.Async async) {
                types.addAll(async.stage().taskTypes());
            }
        }
        return types;
    }

    /** The stages in the order they were added; every stage comes after its inputs. */
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

    /**
     * The stage {@code stageName}, which must be of {@code kind}, e.g.
     * {@code stage("split", StageDefinition.FlatMap.class)}.
     */
    public <S extends StageDefinition> S stage(String stageName, Class<S> kind) {
        StageDefinition stage = stage(stageName);
        if (!kind.isInstance(stage)) {
            throw new IllegalArgumentException("stage " + stageName + " of pipeline " + name + " is a "
                    + stage.kind().label() + ", not a " + kind.getSimpleName());
        }
        return kind.cast(stage);
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
            if (stage instanceof StageDefinition.Branch branch) {
                for (Route route : branch.routes()) {
                    if (route.lane() != null) {
                        lanes.add(route.lane());
                    }
                }
            }
        }
        return lanes;
    }

    /** The stage a lane's records continue at: the default path of the branch that writes the lane. */
    public StageDefinition laneEntry(String lane) {
        for (StageDefinition stage : stages) {
            if (stage instanceof StageDefinition.Branch branch
                    && branch.routes().stream().anyMatch(route -> lane.equals(route.lane()))) {
                return stage(branch.otherwise());
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

    /** What a job carries in: the entry stage's input; {@link PayloadType#any()} in pass-through mode. */
    public PayloadType<?> input() {
        return input;
    }

    /** What a result carries out: the last stages' output; {@link PayloadType#any()} in pass-through mode. */
    public PayloadType<?> output() {
        return output;
    }

    /**
     * What the jobs on a lane's topic carry: the records the branch that writes the lane takes, of the
     * pipeline's input type where the branch takes GenericRecords.
     */
    public PayloadType<?> lanePayload(String lane) {
        StageDefinition entry = laneEntry(lane);
        PayloadType<?> type = PayloadType.forClass(entry.inputType());
        return type == null ? input : type;
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
        /** What was asked of a stage that its kind cannot do, reported by {@link #build()}. */
        private final List<String> misuses = new ArrayList<>();
        private PayloadType<?> input;
        private PayloadType<?> output;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        /**
         * Declares what a job carries in; by default the class the first stage takes, if it is a
         * generated Avro class.
         */
        public Builder input(PayloadType<?> type) {
            this.input = Objects.requireNonNull(type, "type");
            return this;
        }

        /** Declares what a job carries in: records of a generated Avro class. */
        public Builder input(Class<? extends org.apache.avro.specific.SpecificRecord> type) {
            return input(PayloadType.of(type));
        }

        /**
         * Declares what a result carries out; by default the class the last stages make, if they all make
         * the same generated Avro class.
         */
        public Builder output(PayloadType<?> type) {
            this.output = Objects.requireNonNull(type, "type");
            return this;
        }

        /** Declares what a result carries out: records of a generated Avro class. */
        public Builder output(Class<? extends org.apache.avro.specific.SpecificRecord> type) {
            return output(PayloadType.of(type));
        }

        /** Adds a stage that emits at most one output per input (a map). */
        public <I, O> Builder stage(String stageName, Class<I> in, Class<O> out, Stage<? super I, ? extends O> stage) {
            return add(new StageDefinition.Map(stageName, in, out, stage));
        }

        /**
         * Adds a filter: the records {@code predicate} accepts go on, the others are dropped, noting
         * {@code "dropped: <reason>"} in the job's trace.
         */
        @SuppressWarnings("unchecked")
        public <T> Builder filter(String stageName, Class<T> type, Predicate<? super T> predicate, String reason) {
            return add(new StageDefinition.Filter(stageName, type, (Predicate<Object>) predicate, reason));
        }

        /** Adds a stage that may emit many outputs per input, to be gathered by a later gather stage. */
        public <I, O> Builder flatMap(String stageName, Class<I> in, Class<O> out, Stage<? super I, ? extends O> stage) {
            return add(new StageDefinition.FlatMap(stageName, in, out, stage));
        }

        /** Adds a stage that combines all parts of the nearest fan-out before it into one output. */
        public <I, O> Builder gather(String stageName, Class<I> in, Class<O> out, GatherStage<? super I, ? extends O> stage) {
            return add(new StageDefinition.Gather(stageName, in, out, stage));
        }

        /**
         * Adds a gather that waits at most {@code timeout} for the parts of a group, then combines what
         * arrived and marks the job's result partial.
         */
        public <I, O> Builder gather(String stageName, Class<I> in, Class<O> out, GatherStage<? super I, ? extends O> stage,
                                     Duration timeout) {
            return add(new StageDefinition.Gather(stageName, in, out, stage, Objects.requireNonNull(timeout, "timeout"),
                    null));
        }

        /** Adds a branch: each record goes down the first route that accepts it, or the default path. */
        public <T> Builder branch(String stageName, Class<T> type, Consumer<BranchBuilder<T>> routes) {
            BranchBuilder<T> branch = new BranchBuilder<>();
            routes.accept(branch);
            return add(new StageDefinition.Branch(stageName, type, branch.routes, branch.otherwise, null));
        }

        /** Adds a broadcast: every record goes to each of {@code targets}, which are added after it. */
        public <T> Builder broadcast(String stageName, Class<T> type, String... targets) {
            return add(new StageDefinition.Broadcast(stageName, type, List.of(targets), null));
        }

        /**
         * Adds a join of the records of stages {@code left} and {@code right} that belong to the same part
         * of the same job, at most {@code window} apart.
         */
        public <L, R, O> Builder join(String stageName, String left, String right, Class<L> leftType, Class<R> rightType,
                                      Class<O> out, JoinStage<? super L, ? super R, ? extends O> stage, Duration window) {
            return add(new StageDefinition.Join(stageName, leftType, rightType, out, stage,
                    Objects.requireNonNull(window, "window"), List.of(left, right)));
        }

        /** Adds a stage run on batches of up to {@code size} inputs, each waiting at most {@code linger}. */
        public <I, O> Builder batch(String stageName, Class<I> in, Class<O> out, BatchStage<? super I, ? extends O> stage,
                                    int size, Duration linger) {
            return add(new StageDefinition.Batch(stageName, in, out, stage)
                    .withBatching(size, Objects.requireNonNull(linger, "linger")));
        }

        /**
         * Adds an asynchronous stage: each input starts a call that {@code stage} returns at once, and the
         * call completes with at most one output. The stream thread does not wait for it; see
         * {@link AsyncStage}. By default {@value StageDefinition#DEFAULT_CONCURRENCY} calls per task are in
         * flight at most, with no rate limit, each taking at most 30 s: see {@link #concurrency},
         * {@link #rate} and {@link #timeout}.
         */
        public <I, O> Builder async(String stageName, Class<I> in, Class<O> out, AsyncStage<? super I, ? extends O> stage) {
            return add(new StageDefinition.Async(stageName, in, out, stage, false));
        }

        /**
         * Adds an asynchronous stage whose calls may complete with many outputs per input, to be gathered
         * by a later gather stage, as a flat-map's are.
         */
        public <I, O> Builder asyncFlatMap(String stageName, Class<I> in, Class<O> out,
                                           AsyncStage<? super I, ? extends O> stage) {
            return add(new StageDefinition.Async(stageName, in, out, stage, true));
        }

        /**
         * Adds an asynchronous stage that calls its service with batches of inputs, from any jobs: up to
         * {@code size}, or what came within {@code linger} of the first, one output per input (see
         * {@link AsyncBatchStage}). Each input is a call of its own for its concurrency, timeout, retries
         * and order, so give it a {@link #concurrency} of at least {@code size}.
         */
        public <I, O> Builder asyncBatch(String stageName, Class<I> in, Class<O> out,
                                         AsyncBatchStage<? super I, ? extends O> stage, int size, Duration linger) {
            if (size < 1) {
                throw new IllegalArgumentException("batch size of stage " + stageName + " must be at least 1, was " + size);
            }
            if (linger.isNegative() || linger.isZero()) {
                throw new IllegalArgumentException("linger of stage " + stageName + " must be positive, was " + linger);
            }
            return add(new StageDefinition.Async(stageName, in, out, new AsyncBatcher(stage, size, linger), false));
        }

        /** Lets the asynchronous stage added last have at most {@code calls} calls in flight in each task. */
        public Builder concurrency(int calls) {
            return changeAsync("concurrency() sets the calls in flight of", "concurrency", s -> s.withConcurrency(calls));
        }

        /**
         * Lets the asynchronous stage added last start at most {@code callsPerSecond} calls per second in
         * this instance (across its tasks and threads); 0 for no limit, the default. A service that asks
         * to slow down lowers the rate for a while, whether or not it has a limit.
         */
        public Builder rate(double callsPerSecond) {
            return changeAsync("rate() limits", "rate", s -> s.withRate(callsPerSecond));
        }

        /**
         * Gives each call of the asynchronous stage added last at most {@code limit}: a call still running
         * then is cancelled and fails as its retry policy says, with a {@link TimeoutException}. The
         * same as {@link #timeLimit}, which an asynchronous stage has by default (30 s).
         */
        public Builder timeout(Duration limit) {
            Objects.requireNonNull(limit, "limit");
            return changeAsync("timeout() limits", "timeout (timeLimit() limits the calls of the others)",
                    s -> (StageDefinition.Async) s.withTimeLimit(limit));
        }

        /** Replaces the asynchronous stage added last by {@code change} of it; another kind has no {@code setting}. */
        private Builder changeAsync(String what, String setting, UnaryOperator<StageDefinition.Async> change) {
            return changeLast(what, last -> {
                if (last instanceof StageDefinition.Async async) {
                    return change.apply(async);
                }
                misuses.add(last.kind().label() + " '" + last.name() + "' has no " + setting
                        + ": only asynchronous stages do");
                return last;
            });
        }

        /** Makes the stage added last read from {@code inputs} instead of the stage before it. */
        public Builder after(String... inputs) {
            return changeLast("after() names the inputs of", last -> last.withInputs(List.of(inputs)));
        }

        /**
         * Makes the stage added last (a map, filter, flat-map or batch stage) try again after it throws, as
         * {@code policy} says, instead of as its implementation declares.
         */
        public Builder retry(RetryPolicy policy) {
            Objects.requireNonNull(policy, "policy");
            return changeLast("retry() sets the policy of", last -> {
                if (last instanceof StageDefinition.Calling calling) {
                    return calling.withRetry(policy);
                }
                if (policy.retriesAny()) {
                    misuses.add(last.kind().label() + " '" + last.name() + "' cannot retry: only map, flat-map,"
                            + " asynchronous and batch stages are tried again");
                }
                return last;
            });
        }

        /**
         * Limits each call of the stage added last (a map, filter, flat-map, asynchronous or batch stage)
         * to {@code limit}: a call that runs longer is interrupted and fails its job(s) with a
         * {@link TimeoutException}, so that a stage that hangs costs one job, not the stream thread. Such
         * a stage (unless asynchronous) runs on a thread of its own, handed each input.
         */
        public Builder timeLimit(Duration limit) {
            Objects.requireNonNull(limit, "limit");
            return changeLast("timeLimit() limits", last -> {
                if (last instanceof StageDefinition.Calling calling) {
                    return calling.withTimeLimit(limit);
                }
                misuses.add(last.kind().label() + " '" + last.name() + "' cannot have a time limit: only map,"
                        + " flat-map, asynchronous and batch stages do");
                return last;
            });
        }

        /**
         * Makes the stage added last (a map, filter or flat-map stage) stream its outputs: each output it
         * makes for a job also goes out as an OUTPUT event on the events topic, so that whoever follows the
         * job ({@code JobClient.events}, {@code GET /v1/jobs/{id}/events}) sees its partial outputs as they
         * come, before its result.
         */
        public Builder streamOutputs() {
            return changeLast("streamOutputs() makes stream its outputs", last -> {
                if (last instanceof StageDefinition.PerInput perInput) {
                    return perInput.withStreamedOutputs();
                }
                misuses.add(last.kind().label() + " '" + last.name() + "' cannot stream its outputs: only map and"
                        + " flat-map stages do");
                return last;
            });
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

        /** Adds a stage defined elsewhere, e.g. by a {@link StageFactory}. */
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
            List<StageDefinition> resolved = inferTypes(resolveInputs(), input);
            PipelineValidator validator = new PipelineValidator(name, resolved, input, output);
            List<String> problems = new ArrayList<>(validator.validate());
            problems.addAll(misuses);
            if (!problems.isEmpty()) {
                throw new InvalidPipelineException(name, problems);
            }
            return new Pipeline(name, PipelineValidator.topologicalOrder(resolved), validator.input(),
                    validator.output());
        }

        /**
         * A stage declared with Object in and out (a branch, a broadcast, a filter from a configuration
         * file) passes its input on: it takes the type of the stage it reads from, or the pipeline's
         * declared input at the start.
         */
        private static List<StageDefinition> inferTypes(List<StageDefinition> stages, PayloadType<?> input) {
            Map<String, StageDefinition> byName = new LinkedHashMap<>();
            stages.forEach(s -> byName.put(s.name(), s));
            for (StageDefinition stage : PipelineValidator.topologicalOrder(stages)) {
                StageDefinition current = byName.get(stage.name());
                if (current.inputType() != Object.class || current.outputType() != Object.class) {
                    continue;
                }
                Class<?> type;
                if (current.inputs().isEmpty() && input != null) {
                    type = input.javaType();
                } else if (current.inputs().isEmpty()) {
                    continue;
                } else if (byName.containsKey(current.inputs().get(0))) {
                    type = byName.get(current.inputs().get(0)).outputType();
                } else {
                    continue;
                }
                if (current instanceof StageDefinition.Branch branch) {
                    byName.put(stage.name(), branch.withType(type));
                } else if (current instanceof StageDefinition.Broadcast broadcast) {
                    byName.put(stage.name(), broadcast.withType(type));
                } else if (current instanceof StageDefinition.Filter filter) {
                    byName.put(stage.name(), filter.withType(type));
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
            for (StageDefinition stage : stages) {
                if (stage instanceof StageDefinition.Broadcast broadcast) {
                    for (String target : broadcast.targets()) {
                        implicit.computeIfAbsent(target, k -> new ArrayList<>()).add(stage.name());
                    }
                }
                if (stage instanceof StageDefinition.Branch branch) {
                    for (Route route : branch.routes()) {
                        if (route.to() != null) {
                            implicit.computeIfAbsent(route.to(), k -> new ArrayList<>()).add(stage.name());
                        }
                    }
                }
            }
            List<StageDefinition> resolved = new ArrayList<>(stages.size());
            for (int i = 0; i < stages.size(); i++) {
                StageDefinition stage = stages.get(i);
                if (stage instanceof StageDefinition.Branch branch && branch.otherwise() == null) {
                    for (int j = i + 1; j < stages.size(); j++) {
                        if (!implicit.containsKey(stages.get(j).name())) {
                            stage = branch.withOtherwise(stages.get(j).name());
                            implicit.computeIfAbsent(stages.get(j).name(), k -> new ArrayList<>()).add(stage.name());
                            break;
                        }
                    }
                } else if (stage instanceof StageDefinition.Branch branch) {
                    implicit.computeIfAbsent(branch.otherwise(), k -> new ArrayList<>()).add(stage.name());
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
}
