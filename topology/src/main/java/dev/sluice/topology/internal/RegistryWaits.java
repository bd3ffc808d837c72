package dev.sluice.topology.internal;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The source records an intake could not read because the schema registry did not answer for their
 * schema id (not reachable, or failing), in the store {@code [<lane>.]}{@value ResourceNames#REGISTRY_WAITS}:
 * such a record is not at fault, so it is neither failed nor dead-lettered, but tried again after
 * 1, 2, 4 ... up to 30 s, for as long as the registry stays away. The store is keyed so that its
 * order is the order records come due ({@code <due millis, 15 digits>|<topic>-<partition>@<offset>})
 * and changelogged, so a wait survives a crash.
 */
final class RegistryWaits {

    static final Duration FIRST_WAIT = Duration.ofSeconds(1);
    static final Duration LONGEST_WAIT = Duration.ofSeconds(30);
    /** How often the intake looks for records that came due. */
    static final Duration TICK = Duration.ofMillis(500);

    private final DueQueue<EnvelopeCodec.Waiting> queue;

    RegistryWaits(KeyValueStore<String, byte[]> store) {
        this.queue = new DueQueue<>(store, EnvelopeCodec::decodeWaiting);
    }

    int waiting() {
        return queue.size();
    }

    /** Puts a record away for its next try, after {@code attemptsMade} tries could not read it. */
    void park(Flow.Raw raw, long timestamp, Headers headers, int attemptsMade, long now) {
        long wait = Math.min(LONGEST_WAIT.toMillis(), FIRST_WAIT.toMillis() << Math.min(attemptsMade - 1, 20));
        ErrorHeaders.SourcePosition position = raw.position();
        String id = position == null ? "unplaced-" + System.nanoTime()
                : position.topic() + "-" + position.partition() + "@" + position.offset();
        queue.put(now + wait, id, EnvelopeCodec.encodeWaiting(raw, timestamp, headers, attemptsMade));
    }

    /** Takes out up to {@code max} records due at {@code now}, the earliest first. */
    List<EnvelopeCodec.Waiting> takeDue(long now, int max) {
        return queue.takeDue(now, max);
    }
}
