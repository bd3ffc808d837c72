package dev.sluice.topology.internal;

/**
 * The names of the state stores and internal topics Sluice's stages own, in one place, so that the
 * topology and its description ({@code sluice describe}) cannot drift apart. Kafka Streams prefixes
 * changelog and repartition topics with the application.id.
 */
public final class ResourceNames {

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

    /** The window store(s) of a join. */
    public static String joinStore(String stage) {
        return stage + "-store";
    }

    /** The repartition topic of a join's left side. */
    public static String joinLeft(String stage) {
        return stage + "-left";
    }

    /** The repartition topic of a join's right side. */
    public static String joinRight(String stage) {
        return stage + "-right";
    }
}
