package dev.sluice.topology.pipeline;

import dev.sluice.serdes.PayloadType;
import dev.sluice.topology.pipeline.StageDefinition.Route;
import dev.sluice.topology.stage.RetryPolicy;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;

/**
 * Everything that must hold before a pipeline may start, each problem named by its stage or edge:
 * names, unknown inputs, joins with a side missing, branches and broadcasts whose targets do not
 * exist, cycles, unreachable stages, types that do not match on an edge, fan-outs never gathered,
 * lanes that cannot carry the record; and what the pipeline's input and output types are.
 */
final class PipelineValidator {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");

    private final String pipeline;
    private final List<StageDefinition> stages;
    private final Map<String, StageDefinition> byName = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private PayloadType<?> input;
    private PayloadType<?> output;

    /** {@code input} and {@code output}: what the pipeline declares, or null to tell them from the stages. */
    PipelineValidator(String pipeline, List<StageDefinition> stages, PayloadType<?> input, PayloadType<?> output) {
        this.pipeline = pipeline;
        this.stages = stages;
        this.input = input;
        this.output = output;
    }

    /** The pipeline's input type, declared or told from its first stage, once {@link #validate} found no problem. */
    PayloadType<?> input() {
        return input;
    }

    /** The pipeline's output type, declared or told from its last stages, once {@link #validate} found no problem. */
    PayloadType<?> output() {
        return output;
    }

    List<String> validate() {
        if (!NAME.matcher(pipeline).matches()) {
            problems.add("pipeline name '" + pipeline + "' must be lower-case letters, digits and '-', starting with a letter");
        }
        if (stages.isEmpty()) {
            problems.add("a pipeline needs at least one stage (use the pass-through mode for none)");
            return problems;
        }
        for (StageDefinition stage : stages) {
            if (!NAME.matcher(stage.name()).matches()) {
                problems.add("stage name '" + stage.name()
                        + "' must be lower-case letters, digits and '-', starting with a letter, at most 63 characters");
            }
            if (byName.putIfAbsent(stage.name(), stage) != null) {
                problems.add("stage name '" + stage.name() + "' is used twice");
            }
        }
        checkEdges();
        if (!problems.isEmpty()) {
            return problems;
        }
        if (checkCycles()) {
            return problems;
        }
        checkReachable();
        checkTypes();
        checkConditions();
        checkFanOut();
        checkStorable();
        checkRetries();
        return problems;
    }

    /**
     * What may wait in a store (a join's sides, a gather's parts, a batch's inputs) is written as
     * Avro, so it must be an Avro specific record; checked here so that a pipeline whose parts happen
     * to meet within one record does not fail only on the day one of them has to wait.
     */
    private void checkStorable() {
        for (StageDefinition stage : stages) {
            List<Class<?>> waiting = List.of();
            if (stage instanceof StageDefinition.Join join) {
                waiting = List.of(join.leftType(), join.rightType());
            } else if (stage instanceof StageDefinition.Gather || stage instanceof StageDefinition.Batch
                    || stage instanceof StageDefinition.Async) {
                waiting = List.of(stage.inputType());
            } else if (stage instanceof StageDefinition.PerInput perInput && perInput.retry().retriesAny()) {
                waiting = List.of(stage.inputType());
            }
            for (Class<?> type : waiting) {
                if (!SpecificRecord.class.isAssignableFrom(type) && type != GenericRecord.class) {
                    problems.add(stage.kind().name().toLowerCase(Locale.ROOT) + " '" + stage.name()
                            + "' takes " + type.getName() + ", which is not an Avro record (a generated class or a"
                            + " GenericRecord); what waits in its store must be one");
                }
            }
        }
    }

    /**
     * A part waiting for its retries must not outwait the gather or join that waits for it: past the
     * gather's timeout the job would end partial and the retried part would come too late. (Only the
     * stages that run user code on each input or batch retry at all: {@link StageDefinition.Calling}.)
     */
    private void checkRetries() {
        Map<String, List<String>> successors = successors();
        for (StageDefinition stage : stages) {
            if (!(stage instanceof StageDefinition.Calling calling) || !calling.retry().retriesAny()) {
                continue;
            }
            RetryPolicy retry = calling.retry();
            Set<String> after = downstream(stage.name(), successors);
            Set<String> fanOuts = new HashSet<>();
            for (StageDefinition before : stages) {
                if (!before.name().equals(stage.name())
                        && (before.kind() == StageDefinition.Kind.FLAT_MAP || before instanceof StageDefinition.Broadcast)
                        && downstream(before.name(), successors).contains(stage.name())) {
                    fanOuts.add(before.name());
                }
            }
            for (String name : after) {
                Duration waits = waitOf(byName.get(name));
                if (waits == null || retry.longestWait().compareTo(waits) < 0) {
                    continue;
                }
                boolean waitsForIt = fanOuts.stream().anyMatch(f -> downstream(f, successors).contains(name));
                if (waitsForIt) {
                    problems.add("stage '" + stage.name() + "' can wait up to " + retry.longestWait().toMillis()
                            + " ms for its retries (" + retry + "), not less than " + byName.get(name).kind().label()
                            + " '" + name + "' waits for a job's parts (" + waits.toMillis() + " ms): shorten the"
                            + " retries or lengthen its timeout");
                }
            }
        }
    }

    /** How long a gather or a join waits for a job's parts; null for any other stage. */
    private static Duration waitOf(StageDefinition stage) {
        if (stage instanceof StageDefinition.Gather gather) {
            return gather.timeout();
        }
        return stage instanceof StageDefinition.Join join ? join.window() : null;
    }

    private static Set<String> downstream(String from, Map<String, List<String>> successors) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(successors.getOrDefault(from, List.of()));
        while (!todo.isEmpty()) {
            String next = todo.pop();
            if (seen.add(next)) {
                todo.addAll(successors.getOrDefault(next, List.of()));
            }
        }
        return seen;
    }

    private void checkEdges() {
        StageDefinition entry = stages.get(0);
        for (StageDefinition stage : stages) {
            if (stage instanceof StageDefinition.Join) {
                if (stage.inputs().size() != 2) {
                    problems.add("join '" + stage.name() + "' needs two sides, has " + stage.inputs());
                }
                for (String side : stage.inputs()) {
                    if (!byName.containsKey(side)) {
                        problems.add("join '" + stage.name() + "': side '" + side + "' is missing (no such stage)");
                    }
                }
            } else {
                for (String input : stage.inputs()) {
                    if (!byName.containsKey(input)) {
                        problems.add("stage '" + stage.name() + "' reads from unknown stage '" + input + "'");
                    }
                }
            }
            if (stage != entry && stage.inputs().isEmpty()) {
                problems.add("stage '" + stage.name() + "' is unreachable: nothing reads into it");
            }
            if (stage instanceof StageDefinition.Branch branch) {
                if (branch.routes().isEmpty()) {
                    problems.add("branch '" + stage.name() + "' has no routes");
                }
                for (Route route : branch.routes()) {
                    if (route.to() != null && !byName.containsKey(route.to())) {
                        problems.add("branch '" + stage.name() + "': route '" + route.label() + "' goes to unknown stage '"
                                + route.to() + "'");
                    }
                    if (route.lane() != null && !NAME.matcher(route.lane()).matches()) {
                        problems.add("branch '" + stage.name() + "': lane name '" + route.lane()
                                + "' must be lower-case letters, digits and '-'");
                    }
                }
                if (branch.otherwise() == null) {
                    problems.add("branch '" + stage.name() + "' has no default path: add a stage after it or name one");
                } else if (!byName.containsKey(branch.otherwise())) {
                    problems.add("branch '" + stage.name() + "': default path goes to unknown stage '" + branch.otherwise()
                            + "'");
                }
            }
            if (stage instanceof StageDefinition.Broadcast broadcast) {
                if (broadcast.targets().size() < 2) {
                    problems.add("broadcast '" + stage.name() + "' needs at least two targets, has " + broadcast.targets());
                }
                for (String target : broadcast.targets()) {
                    StageDefinition t = byName.get(target);
                    if (t == null) {
                        problems.add("broadcast '" + stage.name() + "' sends to unknown stage '" + target + "'");
                    } else if (!t.inputs().contains(stage.name())) {
                        problems.add("broadcast '" + stage.name() + "' sends to '" + target + "', which reads from "
                                + t.inputs() + " instead");
                    }
                }
            }
        }
        Set<String> lanes = new HashSet<>();
        for (StageDefinition stage : stages) {
            if (stage instanceof StageDefinition.Branch branch) {
                for (Route route : branch.routes()) {
                    if (route.lane() != null && !lanes.add(route.lane())) {
                        problems.add("lane '" + route.lane() + "' is written by more than one route");
                    }
                }
            }
        }
    }

    /** True if there is a cycle (reported). */
    private boolean checkCycles() {
        Map<String, Integer> state = new HashMap<>();
        for (StageDefinition stage : stages) {
            Deque<String> path = new ArrayDeque<>();
            if (cycleFrom(stage.name(), state, path)) {
                return true;
            }
        }
        return false;
    }

    private boolean cycleFrom(String name, Map<String, Integer> state, Deque<String> path) {
        Integer s = state.get(name);
        if (s != null && s == 2) {
            return false;
        }
        path.addLast(name);
        if (s != null && s == 1) {
            List<String> cycle = new ArrayList<>(path);
            cycle = new ArrayList<>(cycle.subList(cycle.indexOf(name), cycle.size()));
            Collections.reverse(cycle); // the walk follows inputs; say it in the direction records flow
            problems.add("the stages form a cycle: " + String.join(" -> ", cycle));
            return true;
        }
        state.put(name, 1);
        for (String input : byName.get(name).inputs()) {
            if (cycleFrom(input, state, path)) {
                return true;
            }
        }
        path.removeLast();
        state.put(name, 2);
        return false;
    }

    private void checkReachable() {
        Map<String, List<String>> successors = successors();
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(stages.get(0).name()));
        while (!todo.isEmpty()) {
            String next = todo.pop();
            if (seen.add(next)) {
                todo.addAll(successors.getOrDefault(next, List.of()));
            }
        }
        for (StageDefinition stage : stages) {
            if (!seen.contains(stage.name()) && !stage.inputs().isEmpty()) {
                problems.add("stage '" + stage.name() + "' is unreachable from the source: it reads from " + stage.inputs()
                        + ", which nothing feeds");
            }
        }
    }

    private void checkTypes() {
        checkInput(stages.get(0));
        Map<String, List<String>> successors = successors();
        List<StageDefinition> last = new ArrayList<>();
        for (StageDefinition stage : stages) {
            for (int i = 0; i < stage.inputs().size(); i++) {
                StageDefinition from = byName.get(stage.inputs().get(i));
                Class<?> takes = stage.inputType();
                if (stage instanceof StageDefinition.Join join) {
                    takes = i == 0 ? join.leftType() : join.rightType();
                }
                if (!takes.isAssignableFrom(from.outputType())) {
                    problems.add("edge " + from.name() + " -> " + stage.name() + ": '" + from.name() + "' emits "
                            + from.outputType().getSimpleName() + " but '" + stage.name() + "' takes "
                            + takes.getSimpleName());
                }
            }
            if (!(stage instanceof StageDefinition.Branch) && successors.getOrDefault(stage.name(), List.of()).isEmpty()) {
                last.add(stage);
            }
            if (hasLanes(stage) && PayloadType.forClass(stage.inputType()) == null
                    && !(stage.inputType() == GenericRecord.class && input != null)) {
                problems.add("branch '" + stage.name() + "' sends " + stage.inputType().getSimpleName()
                        + " to a lane, but a lane's topic carries Avro records: put the branch where the record is one");
            }
        }
        checkOutput(last);
    }

    /**
     * A condition of a configuration file names fields of the records its filter or branch sees: they
     * must have them, of the kind it compares them with.
     */
    private void checkConditions() {
        for (StageDefinition stage : stages) {
            List<Predicate<Object>> conditions = new ArrayList<>();
            if (stage instanceof StageDefinition.Filter filter) {
                conditions.add(filter.predicate());
            } else if (stage instanceof StageDefinition.Branch branch) {
                branch.routes().forEach(route -> conditions.add(route.predicate()));
            }
            for (Predicate<Object> condition : conditions) {
                if (condition instanceof Expressions.Expression expression) {
                    PayloadType<?> type = PayloadType.forClass(stage.inputType());
                    Schema schema = type != null && !type.isAny() ? type.schema()
                            : stage.inputType() == GenericRecord.class && input != null ? input.schema() : null;
                    String what = stage instanceof StageDefinition.Filter ? "filter" : stage.kind().label();
                    expression.problems(stage.inputType(), schema)
                            .forEach(problem -> problems.add(what + " '" + stage.name() + "': " + problem));
                }
            }
        }
    }

    /** The pipeline's input: declared, or the Avro class the first stage takes; the first stage must take it. */
    private void checkInput(StageDefinition entry) {
        if (input == null) {
            input = PayloadType.forClass(entry.inputType());
            if (input == null) {
                problems.add("first stage '" + entry.name() + "' takes " + entry.inputType().getSimpleName()
                        + ", which is not a generated Avro class: declare the pipeline's input (input: in YAML,"
                        + " Builder.input in Java) as the Avro record a job carries");
            }
        } else if (!entry.inputType().isAssignableFrom(input.javaType())) {
            problems.add("first stage '" + entry.name() + "' takes " + entry.inputType().getSimpleName()
                    + ", but the pipeline's input is " + input);
        }
    }

    /**
     * The pipeline's output: declared, or the one Avro class its last stages all make; each last stage
     * must make it.
     */
    private void checkOutput(List<StageDefinition> last) {
        if (output == null) {
            Set<Class<?>> made = new java.util.LinkedHashSet<>();
            last.forEach(stage -> made.add(stage.outputType()));
            if (made.size() > 1) {
                problems.add("the last stages make different types (" + describe(last) + "), but a result carries"
                        + " one: make them end in one type, or declare the pipeline's output (output: in YAML,"
                        + " Builder.output in Java)");
                return;
            }
            Class<?> type = made.iterator().next();
            output = PayloadType.forClass(type);
            if (output == null) {
                problems.add("edge " + last.get(0).name() + " -> results: '" + last.get(0).name() + "' emits "
                        + type.getSimpleName() + ", which is not a generated Avro class: a result carries an Avro"
                        + " record (declare the pipeline's output if it is a GenericRecord)");
            }
            return;
        }
        for (StageDefinition stage : last) {
            Class<?> type = stage.outputType();
            if (type != Object.class && !output.javaType().isAssignableFrom(type)) {
                problems.add("edge " + stage.name() + " -> results: '" + stage.name() + "' emits " + type.getSimpleName()
                        + ", but the pipeline's output is " + output);
            }
        }
    }

    private static String describe(List<StageDefinition> stages) {
        List<String> each = new ArrayList<>();
        stages.forEach(stage -> each.add("'" + stage.name() + "' " + stage.outputType().getSimpleName()));
        return String.join(", ", each);
    }

    /** Every path must gather what it fans out before the end, and inputs that meet must be at one level. */
    private void checkFanOut() {
        // the stages that fanned out and are not yet gathered, outermost first: their count is the level
        Map<String, List<String>> openers = new HashMap<>();
        Map<String, List<String>> successors = successors();
        for (StageDefinition stage : topologicalOrder(stages)) {
            List<String> open = List.of();
            if (!stage.inputs().isEmpty()) {
                Set<Integer> levels = new HashSet<>();
                for (String input : stage.inputs()) {
                    levels.add(openers.get(input).size());
                }
                if (levels.size() > 1) {
                    problems.add("stage '" + stage.name() + "' reads from " + stage.inputs()
                            + ", which are at different fan-out levels: gather before they meet");
                }
                open = openers.get(stage.inputs().get(0));
            }
            List<String> before = open;
            if (stage.kind() == StageDefinition.Kind.FLAT_MAP) {
                open = new ArrayList<>(open);
                open.add(stage.name());
            } else if (stage instanceof StageDefinition.Gather && !open.isEmpty()) {
                open = open.subList(0, open.size() - 1);
            }
            if (hasLanes(stage) && !before.isEmpty()) {
                problems.add("branch '" + stage.name() + "' sends parts of a job to a lane; a lane carries whole jobs:"
                        + " put the branch before '" + before.get(before.size() - 1) + "' or after its gather");
            }
            openers.put(stage.name(), open);
            if (!open.isEmpty() && !(stage instanceof StageDefinition.Branch)
                    && successors.getOrDefault(stage.name(), List.of()).isEmpty()) {
                problems.add("stage '" + open.get(open.size() - 1) + "' fans out but no gather stage after it brings"
                        + " the parts together before '" + stage.name() + "' ends the job: a job must end in one result");
            }
        }
    }

    private static boolean hasLanes(StageDefinition stage) {
        return stage instanceof StageDefinition.Branch branch && branch.hasLanes();
    }

    private Map<String, List<String>> successors() {
        Map<String, List<String>> successors = new HashMap<>();
        for (StageDefinition stage : stages) {
            for (String input : stage.inputs()) {
                successors.computeIfAbsent(input, k -> new ArrayList<>()).add(stage.name());
            }
        }
        return successors;
    }

    /** The stages with every stage after its inputs, otherwise in the order given (Kahn's algorithm). */
    static List<StageDefinition> topologicalOrder(List<StageDefinition> stages) {
        List<StageDefinition> ordered = new ArrayList<>(stages.size());
        Set<String> placed = new HashSet<>();
        List<StageDefinition> pending = new ArrayList<>(stages);
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            for (int i = 0; i < pending.size(); i++) {
                StageDefinition stage = pending.get(i);
                if (placed.containsAll(stage.inputs())) {
                    ordered.add(stage);
                    placed.add(stage.name());
                    pending.remove(i);
                    progress = true;
                    break;
                }
            }
        }
        ordered.addAll(pending);
        return ordered;
    }
}
