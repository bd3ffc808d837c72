package dev.sluice.topology;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.Job;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An immutable, validated pipeline definition: a chain of named stages between the source topic
 * and the sink topic. The first stage receives the job's {@link Document} (or the whole {@link Job}
 * if it asks for one); the last stage's output becomes the job's result, so it must be a type the
 * result can carry: {@link IngestedDocument}, {@link Document} or {@link Job}.
 *
 * <p>The pass-through pipeline ({@link #passThrough()}) has no stages: every job ends COMPLETED with
 * the job itself as output, for testing the plumbing.
 */
public final class Pipeline {

    /** The name of the pass-through pipeline. */
    public static final String PASS_THROUGH = "passthrough";

    /** Types a job's result can carry as its output. */
    public static final List<Class<?>> OUTPUT_TYPES = List.of(IngestedDocument.class, Document.class, Job.class);

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");

    /** How a stage relates its outputs to its inputs. */
    public enum Kind {
        /** at most one output per input (map, filter) */
        STAGE,
        /** any number of outputs per input, to be gathered later (split) */
        FLAT_MAP,
        /** all parts of the nearest fan-out in, one output out (assemble) */
        GATHER
    }

    /** How long a gather waits for the parts of a group before it flushes what arrived, by default. */
    public static final Duration DEFAULT_GATHER_TIMEOUT = Duration.ofSeconds(30);

    /**
     * One stage of a pipeline.
     *
     * @param timeout for a gather, how long it waits for a group's parts before it flushes what
     *     arrived, marked partial; ignored for other kinds
     */
    public record StageDefinition(String name, Kind kind, Class<?> inputType, Class<?> outputType, Object stage,
                                  Duration timeout) {

        public StageDefinition {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(inputType, "inputType");
            Objects.requireNonNull(outputType, "outputType");
            Objects.requireNonNull(stage, "stage");
            if (timeout == null) {
                timeout = DEFAULT_GATHER_TIMEOUT;
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout of stage " + name + " must be positive, was " + timeout);
            }
        }

        public StageDefinition(String name, Kind kind, Class<?> inputType, Class<?> outputType, Object stage) {
            this(name, kind, inputType, outputType, stage, null);
        }

        @Override
        public String toString() {
            return name + " (" + kind.name().toLowerCase(java.util.Locale.ROOT) + ": "
                    + inputType.getSimpleName() + " -> " + outputType.getSimpleName() + ")";
        }
    }

    private final String name;
    private final List<StageDefinition> stages;

    private Pipeline(String name, List<StageDefinition> stages) {
        this.name = name;
        this.stages = List.copyOf(stages);
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

    public List<StageDefinition> stages() {
        return stages;
    }

    public boolean isPassThrough() {
        return stages.isEmpty();
    }

    /** What the first stage receives: {@code Job.class} or {@code Document.class}. */
    public Class<?> inputType() {
        return stages.isEmpty() || stages.get(0).inputType().isAssignableFrom(Job.class) ? Job.class : Document.class;
    }

    @Override
    public String toString() {
        return "Pipeline[" + name + ": " + stages + "]";
    }

    /** Builds a pipeline stage by stage; {@link #build()} validates the whole chain. */
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
            return add(new StageDefinition(stageName, Kind.GATHER, in, out, stage));
        }

        /**
         * Adds a gather that waits at most {@code timeout} for the parts of a group, then combines what
         * arrived and marks the job's result partial.
         */
        public <I, O> Builder gather(String stageName, Class<I> in, Class<O> out, GatherStage<? super I, ? extends O> stage,
                                     Duration timeout) {
            return add(new StageDefinition(stageName, Kind.GATHER, in, out, stage, timeout));
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
            List<String> problems = new ArrayList<>();
            if (!NAME.matcher(name).matches()) {
                problems.add("pipeline name '" + name + "' must be lower-case letters, digits and '-', starting with a letter");
            }
            if (stages.isEmpty()) {
                problems.add("a pipeline needs at least one stage (use the pass-through mode for none)");
            }
            Set<String> seen = new HashSet<>();
            for (StageDefinition stage : stages) {
                if (!NAME.matcher(stage.name()).matches()) {
                    problems.add("stage name '" + stage.name()
                            + "' must be lower-case letters, digits and '-', starting with a letter, at most 63 characters");
                }
                if (!seen.add(stage.name())) {
                    problems.add("stage name '" + stage.name() + "' is used twice");
                }
            }
            checkTypes(problems);
            checkFanOut(problems);
            if (!problems.isEmpty()) {
                throw new InvalidPipelineException(name, problems);
            }
            return new Pipeline(name, stages);
        }

        private void checkTypes(List<String> problems) {
            if (stages.isEmpty()) {
                return;
            }
            StageDefinition first = stages.get(0);
            if (!first.inputType().isAssignableFrom(Document.class) && !first.inputType().isAssignableFrom(Job.class)) {
                problems.add("first stage '" + first.name() + "' takes " + first.inputType().getSimpleName()
                        + ", but a pipeline starts with the job's Document (or the Job)");
            }
            for (int i = 1; i < stages.size(); i++) {
                StageDefinition from = stages.get(i - 1);
                StageDefinition to = stages.get(i);
                if (!to.inputType().isAssignableFrom(from.outputType())) {
                    problems.add("edge " + from.name() + " -> " + to.name() + ": '" + from.name() + "' emits "
                            + from.outputType().getSimpleName() + " but '" + to.name() + "' takes "
                            + to.inputType().getSimpleName());
                }
            }
            StageDefinition last = stages.get(stages.size() - 1);
            boolean carried = OUTPUT_TYPES.stream().anyMatch(t -> t.isAssignableFrom(last.outputType()));
            if (!carried) {
                problems.add("edge " + last.name() + " -> results: '" + last.name() + "' emits "
                        + last.outputType().getSimpleName() + " but a result carries one of "
                        + OUTPUT_TYPES.stream().map(Class::getSimpleName).toList());
            }
        }

        private void checkFanOut(List<String> problems) {
            List<String> open = new ArrayList<>();
            for (StageDefinition stage : stages) {
                if (stage.kind() == Kind.FLAT_MAP) {
                    open.add(stage.name());
                } else if (stage.kind() == Kind.GATHER && !open.isEmpty()) {
                    open.remove(open.size() - 1);
                }
            }
            for (String unmatched : open) {
                problems.add("stage '" + unmatched + "' fans out but no gather stage after it brings the parts"
                        + " together: a job must end in one result");
            }
        }
    }
}
