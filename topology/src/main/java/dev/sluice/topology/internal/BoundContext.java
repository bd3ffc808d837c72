package dev.sluice.topology.internal;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.Task;
import dev.sluice.topology.stage.StageContext;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link StageContext} a processor hands its stage, re-pointed at each job it runs. Public for the
 * bench's hand-written floor, which calls the same stages outside a pipeline ({@link #of}).
 */
public final class BoundContext implements StageContext {

    private final String stage;
    private Job job;
    private String note;
    private int attempt = 1;
    /** The part's lineage path; empty for a whole job. */
    private String part = "";
    /** Where cancels are heard; null when nothing cancels (a context outside a pipeline). */
    private Cancellations cancellations;
    /** Set when the processor gave up on the call (a cancel, a deadline, a timeout). */
    private volatile boolean stopped;

    BoundContext(String stage) {
        this.stage = stage;
    }

    /** This context, telling the stage of cancels heard in {@code heard}. */
    BoundContext hearing(Cancellations heard) {
        this.cancellations = heard;
        return this;
    }

    /** Tells the stage, through {@link #isCancelled()}, that its call is given up. */
    void stop() {
        stopped = true;
    }

    @Override
    public boolean isCancelled() {
        if (stopped) {
            return true;
        }
        Job bound = job;
        if (bound.getDeadline() != null && System.currentTimeMillis() > bound.getDeadline().toEpochMilli()) {
            return true;
        }
        return cancellations != null && cancellations.cancelled(bound, stage) != null;
    }

    /** A context for stage {@code stage} working on {@code job}, its first attempt. */
    public static StageContext of(Job job, String stage) {
        return new BoundContext(stage).bind(job);
    }

    BoundContext bind(Job job) {
        return bind(job, 1);
    }

    BoundContext bind(Job job, int attemptNumber) {
        return bind(job, attemptNumber, "");
    }

    /** Points this context at part {@code partPath} (a lineage path, empty for the whole job) of {@code job}. */
    BoundContext bind(Job job, int attemptNumber, String partPath) {
        this.job = job;
        this.attempt = attemptNumber;
        this.part = partPath;
        this.note = null;
        this.stopped = false;
        return this;
    }

    @Override
    public String idempotencyKey() {
        String key = job.getJobId() + "/" + stage;
        return part.isEmpty() ? key : key + "/" + part;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    /** The note the stage left in the call since {@link #bind}, if any. */
    String takeNote() {
        String taken = note;
        note = null;
        return taken;
    }

    @Override
    public void note(String text) {
        this.note = text;
    }

    @Override
    public String jobId() {
        return job.getJobId();
    }

    @Override
    public String stage() {
        return stage;
    }

    @Override
    public Instant submittedAt() {
        return job.getSubmittedAt();
    }

    @Override
    public int priority() {
        return job.getPriority();
    }

    @Override
    public Optional<Instant> deadline() {
        return Optional.ofNullable(job.getDeadline());
    }

    @Override
    public Map<String, String> attributes() {
        return Collections.unmodifiableMap(job.getAttributes());
    }

    @Override
    public List<Task> tasks() {
        return Collections.unmodifiableList(job.getTasks());
    }
}
