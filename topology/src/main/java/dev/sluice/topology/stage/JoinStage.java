package dev.sluice.topology.stage;

/**
 * A fan-in stage of two paths: combines the record of the left path and the record of the right path
 * that belong together (the same part of the same job) into one.
 *
 * @param <L> the left input type
 * @param <R> the right input type
 * @param <O> the combined type
 */
@FunctionalInterface
public interface JoinStage<L, R, O> {

    O join(L left, R right, StageContext context) throws Exception;
}
