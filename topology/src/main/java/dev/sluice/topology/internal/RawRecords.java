package dev.sluice.topology.internal;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;

/**
 * Lets go of the raw input record Kafka Streams keeps beside the record being processed.
 *
 * <p>Since Kafka Streams 4.0 the context of every input record holds its raw key and value (for a
 * dead-letter handler to send on, KIP-1034), and each write to a caching store copies that context
 * into the cache entry. The cache counts the entry's value and headers against
 * {@code statestore.cache.max.bytes} but not the raw record, so a cache of small status entries could
 * hold tens of thousands of whole input documents: a 30-minute soak of the ingest graph on 4 KiB
 * documents kept 31,000 of them, 124 MiB of a 256 MiB heap, against a 10 MiB cache. Sluice keeps its
 * own copy of what it needs for its dead letters ({@link Flow.Raw}) and uses no Kafka Streams
 * dead-letter handler, so each segment's first processor drops the raw record before anything is
 * written; the records it forwards carry none either.
 */
final class RawRecords {

    private RawRecords() {
    }

    /** Drops the current input record's raw key and value from {@code context}, if it is Kafka Streams' own. */
    static void forget(ProcessorContext<?, ?> context) {
        if (context instanceof InternalProcessorContext<?, ?> internal) {
            ProcessorRecordContext current = internal.recordContext();
            if (current != null) {
                current.freeRawRecord();
            }
        }
    }
}
