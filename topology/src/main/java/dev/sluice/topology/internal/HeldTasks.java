package dev.sluice.topology.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.processor.TaskId;

/**
 * The {@link Held} of each task of one topology. The topology factory makes one and hands it to every
 * processor it makes; in {@code init} each processor takes its own task's, so the processors of a task
 * share one. Tasks run on several stream threads, hence the concurrent map; a task's own {@code Held}
 * is only ever touched by the thread that runs the task.
 */
final class HeldTasks {

    private final Map<TaskId, Held> byTask = new ConcurrentHashMap<>();
    /** Whether the tasks' stages send events. */
    private final boolean events;

    HeldTasks(boolean events) {
        this.events = events;
    }

    /** What the processors of {@code task} hold; call from {@code init}. */
    Held of(TaskId task) {
        return byTask.computeIfAbsent(task, t -> new Held(t, this, events));
    }

    /** Forgets {@code task}'s, once its last processor has closed. */
    void forget(TaskId task, Held held) {
        byTask.remove(task, held);
    }
}
