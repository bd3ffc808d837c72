package dev.sluice.topology.stage;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.Task;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What a stage may know about the job it is working on. */
public interface StageContext {

    /** The job's id. */
    String jobId();

    /** The name of the stage being run. */
    String stage();

    /** When the client submitted the job. */
    Instant submittedAt();

    /** The job's priority; 0 is normal. */
    int priority();

    /** The instant after which the job expires, if it has one. */
    Optional<Instant> deadline();

    /** The job's attributes (read-only). */
    Map<String, String> attributes();

    /** The job's tasks, in the order the client gave them (read-only). */
    List<Task> tasks();

    /** The job's document as it was submitted. */
    Document document();

    /** Which attempt of the stage on this input this call is: 1, or more on a retry ({@link RetryPolicy}). */
    default int attempt() {
        return 1;
    }

    /**
     * Leaves a note in the job's trace for this stage, e.g. why a filter dropped the record. The last
     * note of a call wins.
     */
    default void note(String text) {
    }

    /** The first task of the given type, if the job has one. */
    default Optional<Task> task(String type) {
        for (Task task : tasks()) {
            if (task.getType().equals(type)) {
                return Optional.of(task);
            }
        }
        return Optional.empty();
    }
}
