package dev.sluice.topology.stage;

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

    /** Which attempt of the stage on this input this call is: 1, or more on a retry ({@link RetryPolicy}). */
    default int attempt() {
        return 1;
    }

    /**
     * A key that names this call's work, the same whenever the same part of the same job comes to this
     * stage again (a retry, or a call made again after a crash): {@code <job id>/<stage>}, then, for a
     * part of a job that fanned out, {@code /<part>} (e.g. {@code /3.0}: part 0 of part 3). Pass it to
     * a service that can drop repeated requests: calls are made at least once.
     */
    default String idempotencyKey() {
        return jobId() + "/" + stage();
    }

    /**
     * Whether the job was cancelled, or its deadline has passed, since this call began: long-running
     * code should look now and then and give up when it is true (its outputs would be dropped anyway).
     * A stage that gives up may throw; the job ends CANCELLED or EXPIRED, not FAILED. The call of an
     * {@link AsyncStage} is also cancelled through its {@code CompletionStage}.
     */
    default boolean isCancelled() {
        return false;
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
