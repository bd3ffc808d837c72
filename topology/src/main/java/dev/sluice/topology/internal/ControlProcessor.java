package dev.sluice.topology.internal;

import dev.sluice.schemas.Control;
import dev.sluice.schemas.ControlType;
import dev.sluice.serdes.SchemaRegistryUnavailableException;
import dev.sluice.topology.pipeline.ResourceNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.BiConsumer;
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
 * applies each command: a cancel to the topology's {@link Cancellations}, a pause or resume (the
 * latest for a lane, or the pipeline, holds) to the instance's pause listener. The store keeps the topic's records
 * as they are, so that on start, when Kafka Streams has restored it from the topic, the commands
 * already given are applied again; a cancel leaves the store, as it leaves {@link Cancellations}, once
 * it is past its retention (else the store would hold every cancel given since the instance started).
 * A record that is not a readable command is logged and skipped: a bad command must not stop the
 * pipeline.
 */
final class ControlProcessor implements Processor<byte[], byte[], Void, Void> {

    private static final Logger log = LoggerFactory.getLogger(ControlProcessor.class);

    /** How long a command waits for a schema registry that does not answer before it is skipped. */
    static final Duration REGISTRY_PATIENCE = Duration.ofSeconds(60);

    private final String topic;
    private final Deserializer<Control> commands;
    private final Cancellations cancellations;
    private final BiConsumer<String, Boolean> pauses;
    /** Per lane ("" for the whole pipeline): the latest pause or resume, which holds. */
    private final Map<String, Control> latestPause = new HashMap<>();
    /** The cancels in the store, the earliest issued first, to delete once they are past their retention. */
    private final PriorityQueue<Kept> kept = new PriorityQueue<>(Comparator.comparingLong(Kept::issuedAtMillis));
    private KeyValueStore<byte[], byte[]> store;
    private ProcessorContext<Void, Void> context;

    ControlProcessor(String topic, Deserializer<Control> commands, Cancellations cancellations, BiConsumer<String, Boolean> pauses) {
        this.topic = topic;
        this.commands = commands;
        this.cancellations = cancellations;
        this.pauses = pauses;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        store = context.getStateStore(ResourceNames.CONTROL);
        List<byte[]> expired = new ArrayList<>();
        try (KeyValueIterator<byte[], byte[]> it = store.all()) {
            it.forEachRemaining(entry -> {
                Control command = apply(entry.value);
                if (command == EXPIRED) {
                    expired.add(entry.key);
                } else {
                    keep(entry.key, command);
                }
            });
        }
        // cancels past their retention: the store forgets them as the map does
        expired.forEach(store::delete);
        // the store is in no order of time: tell the listener the state the latest commands left
        latestPause.forEach((lane, command) -> {
            if (command.getType() == ControlType.PAUSE) {
                pauses.accept(lane.isEmpty() ? null : lane, true);
            }
        });
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        if (record.key() == null || record.value() == null) {
            log.warn("skipped a record on {} without a key or a value: a command has both", topic);
            return;
        }
        store.put(record.key(), record.value());
        Control command = apply(record.value());
        if (command == EXPIRED) {
            store.delete(record.key());
            return;
        }
        forgetExpired();
        if (command == null) {
            return;
        }
        keep(record.key(), command);
        String what = command.getType() == ControlType.CANCEL ? "job " + command.getJobId()
                : command.getLane() == null ? "the pipeline" : "lane " + command.getLane();
        log.info("command {} from {}: {} {}{}", command.getCommandId(), topic, command.getType(), what,
                command.getReason() == null ? "" : " (" + command.getReason() + ")");
        if (command.getType() != ControlType.CANCEL && latestPause.get(laneOf(command)) == command) {
            pauses.accept(command.getLane(), command.getType() == ControlType.PAUSE);
        }
    }

    /** What {@link #apply} returns for a cancel past its retention, which is forgotten. */
    private static final Control EXPIRED = new Control();

    /** Applies one command; returns it, {@link #EXPIRED}, or null if it was skipped. */
    private Control apply(byte[] value) {
        Control command;
        try {
            command = read(value);
        } catch (RuntimeException e) {
            log.warn("skipped a record on {} that is not a readable command: {}", topic, e.getMessage());
            return null;
        }
        if (command.getType() == ControlType.CANCEL && command.getJobId() != null) {
            return cancellations.cancel(command.getJobId(), command.getIssuedAt(), context.currentSystemTimeMs())
                    ? command : EXPIRED;
        }
        if (command.getType() == ControlType.PAUSE || command.getType() == ControlType.RESUME) {
            latestPause.merge(laneOf(command), command,
                    (held, given) -> given.getIssuedAt().isBefore(held.getIssuedAt()) ? held : given);
            return command;
        }
        log.warn("skipped command {} on {}: {} {}", command.getCommandId(), topic, command.getType(),
                command.getType() == ControlType.CANCEL ? "without a job id" : "is not known to this version");
        return null;
    }

    /**
     * Reads a command; while the schema registry does not answer for its schema id (one this instance
     * has not read before: a command from another Sluice version), tries again for up to
     * {@link #REGISTRY_PATIENCE} on this thread (the global one, which holds no partition of a group),
     * so that a cancel or a pause is not lost to a short outage.
     */
    private Control read(byte[] value) {
        long deadline = System.nanoTime() + REGISTRY_PATIENCE.toNanos();
        long backoff = 500;
        while (true) {
            try {
                return commands.deserialize(topic, value);
            } catch (SchemaRegistryUnavailableException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                log.warn("a command on {} waits for the schema registry: {}", topic, e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    /** A cancel in the store, by its key and when it was issued. */
    private record Kept(byte[] key, long issuedAtMillis) {
    }

    private void keep(byte[] key, Control command) {
        if (command != null && command.getType() == ControlType.CANCEL) {
            kept.add(new Kept(key, command.getIssuedAt().toEpochMilli()));
        }
    }

    /**
     * Deletes the cancels past their retention from the store. A key written again since (a command
     * that reused it) stays while its latest command does.
     */
    private void forgetExpired() {
        long now = context.currentSystemTimeMs();
        while (!kept.isEmpty() && cancellations.expired(kept.peek().issuedAtMillis(), now)) {
            byte[] key = kept.poll().key();
            byte[] value = store.get(key);
            if (value == null) {
                continue;
            }
            try {
                Control latest = commands.deserialize(topic, value);
                if (latest.getType() != ControlType.CANCEL
                        || !cancellations.expired(latest.getIssuedAt().toEpochMilli(), now)) {
                    continue;
                }
            } catch (RuntimeException e) {
                // unreadable: it was skipped when it came, and is of no use kept
            }
            store.delete(key);
        }
    }

    private static String laneOf(Control command) {
        return command.getLane() == null ? "" : command.getLane();
    }
}
