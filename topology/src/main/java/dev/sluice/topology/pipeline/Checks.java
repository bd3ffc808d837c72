package dev.sluice.topology.pipeline;

import dev.sluice.topology.stage.RetryPolicy;
import dev.sluice.topology.stage.Retrying;
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

    /** {@code retry}, or the policy {@code implementation} declares, or none. */
    static RetryPolicy retry(RetryPolicy retry, Object implementation) {
        if (retry != null) {
            return retry;
        }
        return implementation instanceof Retrying declared && declared.retryPolicy() != null
                ? declared.retryPolicy() : RetryPolicy.NONE;
    }

    static void timeLimit(String name, Duration limit) {
        if (limit != null && (limit.isNegative() || limit.isZero())) {
            throw new IllegalArgumentException("time limit of stage " + name + " must be positive, was " + limit);
        }
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
