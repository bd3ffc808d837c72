package dev.sluice.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.junit.jupiter.api.Test;

/**
 * The raw input record Kafka Streams keeps in each record's context (and copies into every cache
 * entry a store write makes) is gone once a segment's first processor forgets it, for that processor
 * and every one after it.
 */
class RawRecordsTest {

    /** Raw values seen by the second processor, for each record. */
    private final List<byte[]> seen = new ArrayList<>();

    private Topology topology(boolean forget) {
        Topology topology = new Topology();
        topology.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), "jobs");
        topology.addProcessor("first", () -> new ContextualProcessor<byte[], byte[], byte[], byte[]>() {
            @Override
            public void process(Record<byte[], byte[]> record) {
                if (forget) {
                    RawRecords.forget(context());
                }
                context().forward(record.withValue("decoded".getBytes(StandardCharsets.UTF_8)));
            }
        }, "in");
        topology.addProcessor("second", () -> new ContextualProcessor<byte[], byte[], Void, Void>() {
            @Override
            public void process(Record<byte[], byte[]> record) {
                seen.add(((InternalProcessorContext<?, ?>) context()).recordContext().sourceRawValue());
            }
        }, "first");
        return topology;
    }

    private void send(boolean forget, String value) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "raw-records");
        try (TopologyTestDriver driver = new TopologyTestDriver(topology(forget), props)) {
            driver.createInputTopic("jobs", new ByteArraySerializer(), new ByteArraySerializer())
                    .pipeInput("k".getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldKeepTheWholeInputRecordDownstreamUnlessForgotten() {
        send(false, "a whole document");
        assertThat(seen).singleElement().isEqualTo("a whole document".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldHoldNoRawRecordAfterTheFirstProcessorForgetsIt() {
        send(true, "a whole document");
        assertThat(seen).singleElement().isNull();
    }
}
