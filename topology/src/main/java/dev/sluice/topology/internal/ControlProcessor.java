package dev.sluice.topology.internal;

import dev.sluice.schemas.Control;
import dev.sluice.schemas.ControlType;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the control topic on every instance (a global store, {@value ResourceNames#CONTROL}) and
 * applies each command to the topology's {@link Cancellations}. The store keeps the topic's records
 * as they are, so that on start, when Kafka Streams has restored it from the topic, the commands
 * already given are applied again. A record that is not a readable command is logged and skipped: a
 * bad command must not stop the pipeline.
 */
final class ControlProcessor implements Processor<byte[], byte[], Void, Void> {

    private static final Logger log = LoggerFactory.getLogger(ControlProcessor.class);

    private final String topic;
    private final Deserializer<Control> commands;
    private final Cancellations cancellations;
    private KeyValueStore<byte[], byte[]> store;

    ControlProcessor(String topic, Deserializer<Control> commands, Cancellations cancellations) {
        this.topic = topic;
        this.commands = commands;
        this.cancellations = cancellations;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(ResourceNames.CONTROL);
        try (KeyValueIterator<byte[], byte[]> it = store.all()) {
            it.forEachRemaining(entry -> apply(entry.value));
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        if (record.key() == null || record.value() == null) {
            log.warn("skipped a record on {} without a key or a value: a command has both", topic);
            return;
        }
        store.put(record.key(), record.value());
        Control command = apply(record.value());
        if (command != null) {
            log.info("command {} from {}: {} job {}{}", command.getCommandId(), topic, command.getType(),
                    command.getJobId(), command.getReason() == null ? "" : " (" + command.getReason() + ")");
        }
    }

    /** Applies one command; returns it, or null if it was skipped. */
    private Control apply(byte[] value) {
        Control command;
        try {
            command = commands.deserialize(topic, value);
        } catch (RuntimeException e) {
            log.warn("skipped a record on {} that is not a readable command: {}", topic, e.getMessage());
            return null;
        }
        if (command.getType() == ControlType.CANCEL && command.getJobId() != null) {
            cancellations.cancel(command.getJobId(), command.getIssuedAt());
            return command;
        }
        log.warn("skipped command {} on {}: {} {}", command.getCommandId(), topic, command.getType(),
                command.getType() == ControlType.CANCEL ? "without a job id" : "is not known to this version");
        return null;
    }
}
