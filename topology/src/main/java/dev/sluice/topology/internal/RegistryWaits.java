package dev.sluice.topology.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
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

    private final KeyValueStore<String, byte[]> store;
    private int waiting;

    RegistryWaits(KeyValueStore<String, byte[]> store) {
        this.store = store;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                it.next();
                waiting++;
            }
        }
    }

    int waiting() {
        return waiting;
    }

    /** Puts a record away for its next try, after {@code attemptsMade} tries could not read it. */
    void park(Flow.Raw raw, long timestamp, Headers headers, int attemptsMade, long now) {
        long wait = Math.min(LONGEST_WAIT.toMillis(), FIRST_WAIT.toMillis() << Math.min(attemptsMade - 1, 20));
        ErrorHeaders.SourcePosition position = raw.position();
        String key = String.format("%015d|%s", now + wait, position == null ? "" + System.nanoTime()
                : position.topic() + "-" + position.partition() + "@" + position.offset());
        if (store.get(key) == null) {
            waiting++;
        }
        store.put(key, EnvelopeCodec.encodeWaiting(raw, timestamp, headers, attemptsMade));
    }

    /** Takes out up to {@code max} records due at {@code now}, the earliest first. */
    List<EnvelopeCodec.Waiting> takeDue(long now, int max) {
        List<KeyValue<String, byte[]>> due = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.range(null, String.format("%015d|\uffff", now))) {
            while (it.hasNext() && due.size() < max) {
                due.add(it.next());
            }
        }
        List<EnvelopeCodec.Waiting> records = new ArrayList<>(due.size());
        for (KeyValue<String, byte[]> entry : due) {
            store.delete(entry.key);
            waiting--;
            records.add(EnvelopeCodec.decodeWaiting(entry.value));
        }
        return records;
    }
}
