package dev.sluice.topology.internal;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.processor.TaskId;

/**
 * What the joins and gathers of one task hold in memory while one input record (or one
 * punctuation) is processed. A split and a broadcast hand their parts downstream within the call
 * that made them, so most pairs and groups are complete before the call returns and never need a
 * store: no encoding, no cache entry, no changelog tombstone. Whatever still waits when the call is
 * done is written to the stores by {@link #spill()}, before Kafka Streams can commit, so a crash
 * loses nothing. The source processor and every punctuator that forwards call {@code spill()} last.
 *
 * <p>One per task, which its processors find through the topology's {@link HeldTasks}; every
 * processor of a task is initialized, run and closed on the thread that runs the task.
 */
final class Held {

    private final TaskId task;
    private final HeldTasks tasks;
    private final Map<Object, Runnable> spillers = new LinkedHashMap<>();
    private final Map<String, Map<String, ?>> maps = new HashMap<>();
    /** The events the task's stages made and the intake or the collector has still to send. */
    final EventBuffer events;
    /** Each stage's jobs in progress in this task, by stage name; a join's two sides share theirs. */
    private final Map<String, StageProgress> progress = new HashMap<>();

    Held(TaskId task, HeldTasks tasks, boolean events) {
        this.task = task;
        this.tasks = tasks;
        this.events = new EventBuffer(events);
    }

    /** The map of what waits for {@code store}, shared by every processor of the task that uses the store. */
    @SuppressWarnings("unchecked")
    <V> Map<String, V> map(String store) {
        return (Map<String, V>) maps.computeIfAbsent(store, s -> new LinkedHashMap<String, V>());
    }

    /** Where stage {@code stage} keeps track of the jobs it has started in this task. */
    StageProgress progress(String stage) {
        return progress.computeIfAbsent(stage, s -> new StageProgress(s, events));
    }

    /** {@code spill} writes what {@code owner} holds to its store. */
    void register(Object owner, Runnable spill) {
        spillers.put(owner, spill);
    }

    /** On close: the owner holds nothing any more; the last one out forgets the task. */
    void unregister(Object owner) {
        spillers.remove(owner);
        if (spillers.isEmpty()) {
            tasks.forget(task, this);
        }
    }

    /** Writes everything still held to the stores; called when an input record or a punctuation is done. */
    void spill() {
        // once per input record: no copy; a spill neither registers nor unregisters
        for (Runnable spill : spillers.values()) {
            spill.run();
        }
    }
}
