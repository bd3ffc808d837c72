package dev.sluice.topology.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The jobs one stage has started and not finished, in one task, for the events topic. A stage starts a
 * job when it takes up the job's first part (STAGE_STARTED), and finishes it when the parts it has
 * handled add up to the whole job: each part counts its share of the job, 1/n for each fan-out of n
 * it came through (STAGE_FINISHED, with the parts, the outputs and the time). A stage that sees only
 * some parts (a branch sent the others elsewhere, a gather gave up on one) does not finish the job;
 * the job's end event says how it ended, and the stage forgets the job when that event is made in its
 * task (nor does it take up a job again after it). Bounded all the same: the stage forgets its oldest
 * unfinished jobs, for a job that ends in another task (a lane's).
 */
final class StageProgress {

    /** How many unfinished jobs a stage keeps track of in one task. */
    private static final int OPEN_REMEMBERED = 10_000;
    /** Shares add up to one up to rounding: 1/3 + 1/3 + 1/3 may fall short by an ulp or two. */
    private static final double WHOLE = 1 - 1e-9;

    private static final class Open {
        double done;
        int parts;
        int outputs;
        long nanos;
        String note;
    }

    private final String stage;
    private final EventBuffer events;
    private final Map<String, Open> open = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Open> eldest) {
            return size() > OPEN_REMEMBERED;
        }
    };

    StageProgress(String stage, EventBuffer events) {
        this.stage = stage;
        this.events = events;
        events.onEnd(open::remove);
    }

    /** How many jobs the stage has started and not finished here. */
    int openJobs() {
        return open.size();
    }

    /** The stage takes up a part of {@code jobId}; the first one starts the job here. */
    void took(String jobId, long now) {
        if (events.enabled() && !events.hasEnded(jobId)) {
            entry(jobId, now);
        }
    }

    private Open entry(String jobId, long now) {
        Open job = open.get(jobId);
        if (job == null) {
            job = new Open();
            open.put(jobId, job);
            events.add(EventBuffer.started(jobId, stage, now));
        }
        return job;
    }

    /**
     * The stage is done with a part of {@code jobId} that came through {@code lineage}, having made
     * {@code outputs} outputs from it in {@code nanos} (and noted {@code note}, or null); without
     * finishing the job, for a gather whose output is still to be made.
     */
    void handled(String jobId, Lineage lineage, int outputs, long nanos, String note, long now) {
        if (!events.enabled() || events.hasEnded(jobId)) {
            return; // it only ever tells the events topic: no bookkeeping per part without one, nor after the end
        }
        Open job = entry(jobId, now);
        job.done += lineage.share();
        job.parts++;
        job.outputs += outputs;
        job.nanos += nanos;
        if (note != null) {
            job.note = note;
        }
    }

    /** As {@link #handled}, then {@link #finishIfWhole}: what every stage but a fan-in does before it sends a part on. */
    void passed(String jobId, Lineage lineage, int outputs, long nanos, String note, long now) {
        handled(jobId, lineage, outputs, nanos, note, now);
        finishIfWhole(jobId, 0, 0, now);
    }

    /**
     * Finishes {@code jobId} at this stage if its handled parts make the whole job, counting
     * {@code outputs} more outputs and {@code nanos} more time (a gather's call on the whole group).
     */
    void finishIfWhole(String jobId, int outputs, long nanos, long now) {
        Open job = open.get(jobId);
        if (job == null || job.done < WHOLE) {
            return;
        }
        open.remove(jobId);
        events.add(EventBuffer.finished(jobId, stage, now, job.parts, job.outputs + outputs, (job.nanos + nanos) / 1_000,
                job.parts == 1 ? job.note : null));
    }
}
