package dev.sluice.topology.internal;

import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;

/** A named node that forwards everything: a broadcast, whose children each receive every record. */
final class PassProcessor extends ContextualProcessor<String, Flow, String, Flow> {

    @Override
    public void process(Record<String, Flow> record) {
        context().forward(record);
    }
}
