package dev.sluice.topology.stage;


/**
 * A stage (a {@link Stage} or a {@link BatchStage}) that declares when it is tried again after it
 * throws, e.g. one that calls a service that is sometimes away. A pipeline can set another policy
 * with {@link dev.sluice.topology.pipeline.Pipeline.Builder#retry} or {@code retry:} in its configuration file.
 */
public interface Retrying {

    /** When this stage is tried again after it throws. */
    RetryPolicy retryPolicy();
}
