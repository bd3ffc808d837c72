package dev.sluice.topology.internal;

/**
 * Where a part came from: one level per fan-out stage it passed, so that a gather groups exactly the
 * siblings of one fan-out. Compared by identity: siblings share their parent object.
 */
final class Lineage {

    static final Lineage ROOT = new Lineage(null, 0);

    final Lineage parent;
    final int index;

    Lineage(Lineage parent, int index) {
        this.parent = parent;
        this.index = index;
    }

    /** The group this part belongs to in the nearest gather. */
    Lineage group() {
        return this == ROOT ? ROOT : parent;
    }
}
