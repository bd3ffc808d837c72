package dev.sluice.topology.stages;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.Jobs;
import dev.sluice.schemas.Task;
import dev.sluice.topology.stage.StageContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A stage context over a job, for running a stage alone. */
final class Contexts {

    private Contexts() {
    }

    static StageContext of(Job job) {
        return new StageContext() {
            @Override public String jobId() { return job.getJobId(); }
            @Override public String stage() { return "test"; }
            @Override public Instant submittedAt() { return job.getSubmittedAt(); }
            @Override public int priority() { return job.getPriority(); }
            @Override public Optional<Instant> deadline() { return Optional.ofNullable(job.getDeadline()); }
            @Override public Map<String, String> attributes() { return job.getAttributes(); }
            @Override public List<Task> tasks() { return job.getTasks(); }
        };
    }

    static StageContext of(String text, Task... tasks) {
        Job job = Jobs.text("job-1", "doc-1", text);
        job.setTasks(new ArrayList<>(List.of(tasks)));
        return of(job);
    }
}
