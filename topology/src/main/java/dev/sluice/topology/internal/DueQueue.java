package dev.sluice.topology.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Entries that wait in a key-value store until they come due: each key starts with the due time
 * ({@code <due millis, 15 digits>|<id>}), so the store's order is the order they come due, and taking
 * the due ones is one range scan. Counts its entries, so that an empty queue costs nothing to ask.
 */
final class DueQueue<T> {

    private final KeyValueStore<String, byte[]> store;
    private final Function<byte[], T> decode;
    private int size;

    /** A queue over {@code store}, whose entries are already counted; {@code decode} reads an entry. */
    DueQueue(KeyValueStore<String, byte[]> store, Function<byte[], T> decode) {
        this.store = store;
        this.decode = decode;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                it.next();
                size++;
            }
        }
    }

    int size() {
        return size;
    }

    /** Puts {@code value} away until {@code due} under {@code id} (an entry with the same due time and id is replaced). */
    void put(long due, String id, byte[] value) {
        String key = String.format("%015d|%s", Math.max(0, due), id);
        if (store.get(key) == null) {
            size++;
        }
        store.put(key, value);
    }

    /** Takes out up to {@code max} entries due at {@code now}, the earliest first. */
    List<T> takeDue(long now, int max) {
        List<KeyValue<String, byte[]>> due = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.range(null, String.format("%015d|\uffff", now))) {
            while (it.hasNext() && due.size() < max) {
                due.add(it.next());
            }
        }
        List<T> taken = new ArrayList<>(due.size());
        for (KeyValue<String, byte[]> entry : due) {
            store.delete(entry.key);
            size--;
            taken.add(decode.apply(entry.value));
        }
        return taken;
    }
}
