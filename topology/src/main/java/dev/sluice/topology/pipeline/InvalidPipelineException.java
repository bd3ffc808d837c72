package dev.sluice.topology.pipeline;

import java.util.List;

/** A pipeline definition that cannot run; the message lists every problem found, each naming its stage. */
public class InvalidPipelineException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public InvalidPipelineException(String pipeline, List<String> problems) {
        super("pipeline '" + pipeline + "' is invalid: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
