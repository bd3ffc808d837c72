package dev.sluice.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Control;
import dev.sluice.schemas.ControlType;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.serdes.Topic;
import dev.sluice.topology.pipeline.ResourceNames;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

class ControlProcessorTest {

    private static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");

    @Test
    void shouldDeleteCancelsFromTheControlStoreOnceTheyArePastTheirRetention() {
        SluiceTopics topics = SluiceTopics.create("control-test", AvroSerdes.forUrl("mem://control-processor-test"));
        Topic<String, Control> control = topics.control();
        Cancellations cancellations = new Cancellations(Duration.ofHours(1));
        List<Boolean> pauses = new ArrayList<>();
        Topology topology = new Topology();
        topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ResourceNames.CONTROL),
                        Serdes.ByteArray(), Serdes.ByteArray()).withLoggingDisabled(), "control-source",
                new ByteArrayDeserializer(), new ByteArrayDeserializer(), control.name(), "control",
                () -> new ControlProcessor(control.name(), control.valueSerde().deserializer(), cancellations,
                        (lane, paused) -> pauses.add(paused)));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "control-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props, T0)) {
            TestInputTopic<String, Control> commands = driver.createInputTopic(control.name(), new StringSerializer(),
                    control.valueSerde().serializer());
            KeyValueStore<byte[], byte[]> store = driver.getKeyValueStore(ResourceNames.CONTROL);
            commands.pipeInput("pause", command("pause", ControlType.PAUSE, null, T0));
            for (int i = 0; i < 100; i++) {
                commands.pipeInput("c-" + i, command("c-" + i, ControlType.CANCEL, "job-" + i, T0));
            }
            assertThat(store.approximateNumEntries()).isEqualTo(101);
            assertThat(cancellations.size()).isEqualTo(100);

            driver.advanceWallClockTime(Duration.ofHours(2));
            Instant later = T0.plus(Duration.ofHours(2));
            commands.pipeInput("c-new", command("c-new", ControlType.CANCEL, "job-new", later));
            // the old cancels are gone from the store; the pause, which is no cancel, and the new cancel stay
            assertThat(store.approximateNumEntries()).isEqualTo(2);
            assertThat(store.get("pause".getBytes())).isNotNull();
            assertThat(store.get("c-new".getBytes())).isNotNull();
            assertThat(pauses).containsExactly(true);
        }
    }

    private static Control command(String id, ControlType type, String jobId, Instant at) {
        return Control.newBuilder().setCommandId(id).setType(type).setJobId(jobId).setLane(null).setIssuedAt(at)
                .setReason(null).build();
    }
}
