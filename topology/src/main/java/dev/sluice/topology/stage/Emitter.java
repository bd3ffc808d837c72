package dev.sluice.topology.stage;

/** Where a stage sends its outputs. */
@FunctionalInterface
public interface Emitter<O> {

    /** Emits one output; {@code null} is not allowed. */
    void emit(O output);
}
