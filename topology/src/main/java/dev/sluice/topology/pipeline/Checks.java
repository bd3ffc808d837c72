package dev.sluice.topology.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** The checks every kind of stage definition shares. */
final class Checks {

    private Checks() {
    }

    static void common(String name, Class<?> inputType, Class<?> outputType, Object implementation) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(inputType, "inputType");
        Objects.requireNonNull(outputType, "outputType");
        if (implementation == null) {
            throw new NullPointerException("stage " + name + " has no implementation");
        }
    }

    static List<String> inputs(List<String> inputs) {
        return inputs == null ? null : List.copyOf(inputs);
    }

    static Duration positive(String name, String what, Duration duration) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(what + " of stage " + name + " must be positive, was " + duration);
        }
        return duration;
    }

    static String toString(StageDefinition stage) {
        return stage.name() + " (" + stage.kind().label() + ": " + stage.inputType().getSimpleName() + " -> "
                + stage.outputType().getSimpleName() + ")";
    }
}
