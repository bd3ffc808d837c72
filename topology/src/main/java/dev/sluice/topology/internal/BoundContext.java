package dev.sluice.topology.internal;

import dev.sluice.schemas.Document;
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

    BoundContext(String stage) {
        this.stage = stage;
    }

    /** A context for stage {@code stage} working on {@code job}, its first attempt. */
    public static StageContext of(Job job, String stage) {
        return new BoundContext(stage).bind(job);
    }

    BoundContext bind(Job job) {
        return bind(job, 1);
    }

    BoundContext bind(Job job, int attemptNumber) {
        this.job = job;
        this.attempt = attemptNumber;
        this.note = null;
        return this;
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

    @Override
    public Document document() {
        return job.getDocument();
    }
}
