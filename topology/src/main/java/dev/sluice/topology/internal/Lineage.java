package dev.sluice.topology.internal;

import dev.sluice.schemas.internal.LineagePart;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a part came from: one level per fan-out it passed, each with its index and the number of
 * siblings, so that a gather knows which group a part belongs to and how many to wait for.
 * Immutable; {@link #ROOT} is a job that has not fanned out.
 */
final class Lineage {

    static final Lineage ROOT = new Lineage(null, 0, 1);

    private final Lineage parent;
    private final int index;
    private final int count;
    private final int depth;

    private Lineage(Lineage parent, int index, int count) {
        this.parent = parent;
        this.index = index;
        this.count = count;
        this.depth = parent == null ? 0 : parent.depth + 1;
    }

    /** Part {@code index} of {@code count} siblings below this one. */
    Lineage child(int index, int count) {
        return new Lineage(this, index, count);
    }

    Lineage parent() {
        return parent == null ? this : parent;
    }

    int index() {
        return index;
    }

    int count() {
        return count;
    }

    int depth() {
        return depth;
    }

    /** The part's share of its job: 1 for the root, 1/n for each fan-out of n on the way here. */
    double share() {
        double share = 1;
        for (Lineage l = this; l.parent != null; l = l.parent) {
            share /= l.count;
        }
        return share;
    }

    /** A stable name of this position, e.g. {@code 2.0} for part 0 of part 2; empty for the root. */
    String path() {
        if (parent == null) {
            return "";
        }
        String above = parent.path();
        return above.isEmpty() ? Integer.toString(index) : above + "." + index;
    }

    /**
     * The part as people read it: each fan-out on the way as index/count, e.g. {@code 3/12} for the fourth
     * of twelve, {@code 3/12.0/2} for the first of two below that; null for the root (the job whole).
     */
    String describe() {
        if (parent == null) {
            return null;
        }
        String above = parent.describe();
        String here = index + "/" + count;
        return above == null ? here : above + "." + here;
    }

    List<LineagePart> toParts() {
        List<LineagePart> parts = new ArrayList<>(depth);
        for (Lineage l = this; l.parent != null; l = l.parent) {
            parts.add(0, new LineagePart(l.index, l.count));
        }
        return parts;
    }

    static Lineage fromParts(List<LineagePart> parts) {
        Lineage lineage = ROOT;
        for (LineagePart part : parts) {
            lineage = lineage.child(part.getIndex(), part.getCount());
        }
        return lineage;
    }
}
