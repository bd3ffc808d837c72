package dev.sluice.topology;

/**
 * What an instance does when the control topic says to pause or resume the pipeline, or one lane:
 * told once at start for every pause in force (so that a restarted instance learns the current
 * state), then on each change. Called on Kafka Streams' global thread.
 */
@FunctionalInterface
public interface PauseListener {

    /** An instance that ignores pauses, e.g. a test topology. */
    PauseListener NONE = (lane, paused) -> { };

    /**
     * @param lane the lane, or null for the whole pipeline
     * @param paused whether it is paused now
     */
    void paused(String lane, boolean paused);
}
