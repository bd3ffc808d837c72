package dev.sluice.topology.stage;

import java.util.List;

/**
 * A fan-in stage: receives every part that the nearest fan-out stage before it produced for one
 * job (or for one part of an outer fan-out), in the order they were emitted, and combines them into
 * one output.
 *
 * @param <I> the part type
 * @param <O> the combined type
 */
@FunctionalInterface
public interface GatherStage<I, O> {

    /** Combines the parts; {@code parts} may be empty when an earlier stage dropped them all. */
    O gather(List<I> parts, StageContext context) throws Exception;
}
