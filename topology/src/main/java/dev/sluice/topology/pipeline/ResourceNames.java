package dev.sluice.topology.pipeline;

/**
 * The names of the state stores and processors Sluice's stages own, in one place, so that the
 * topology and its description ({@code sluice describe}) cannot drift apart. Kafka Streams names each
 * store's changelog topic {@code <application.id>-<store>-changelog}.
 */
public final class ResourceNames {

    /**
     * The store where the intake remembers the ids of the jobs it accepted, to find duplicates: a
     * window store, so that ids older than the window drop out with its segments.
     */
    public static final String JOB_IDS = "sluice.job-ids";

    /** The store where the intake keeps the records it could not read while the schema registry was away. */
    public static final String REGISTRY_WAITS = "sluice.registry-waits";

    /** The global store of the control topic's commands, on every instance. */
    public static final String CONTROL = "sluice.control";

    /** The store of each job's latest status, made from the events topic. */
    public static final String STATUS = "sluice.status";

    private ResourceNames() {
    }

    /** A node or store in a lane's segment is {@code <lane>.<name>}; in the main segment, {@code <name>}. */
    public static String inLane(String lane, String name) {
        return lane == null || lane.isEmpty() ? name : lane + "." + name;
    }

    /** The store where a gather holds its open groups. */
    public static String gatherParts(String stage) {
        return stage + "-parts";
    }

    /** The store where a gather remembers the groups it flushed early (timed out or failed). */
    public static String gatherFlushed(String stage) {
        return stage + "-flushed";
    }

    /** The store where a batch stage keeps inputs until the batch is full or has lingered. */
    public static String batchBuffer(String stage) {
        return stage + "-buffer";
    }

    /** The store where a stage keeps the parts waiting to be tried again. */
    public static String retries(String stage) {
        return stage + "-retries";
    }

    /** The store where an asynchronous stage keeps the inputs of its calls in flight, and of those waiting for a retry. */
    public static String calls(String stage) {
        return stage + "-calls";
    }

    /** The store where a join's first side of each part waits for the other. */
    public static String joinStore(String stage) {
        return stage + "-store";
    }

    /** The processor of a join's left side. */
    public static String joinLeft(String stage) {
        return stage + "-left";
    }

    /** The processor of a join's right side. */
    public static String joinRight(String stage) {
        return stage + "-right";
    }
}
