package dev.sluice.topology.internal;

import dev.sluice.schemas.Job;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.Pipeline;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * Lays a pipeline out as processors: {@code sluice.source -> sluice.intake -> <stage>... ->
 * sluice.collect}, then a split that sends results to {@code sluice.results} and dead letters to
 * {@code sluice.dlq}. Every node is named; engine nodes carry a dot, which stage names cannot, so
 * the two never clash.
 */
public final class TopologyFactory {

    public static final String SOURCE = "sluice.source";
    public static final String INTAKE = "sluice.intake";
    public static final String COLLECT = "sluice.collect";
    public static final String ROUTE = "sluice.route-";
    public static final String RESULTS_SINK = "sluice.results";
    public static final String DLQ_SINK = "sluice.dlq";

    private TopologyFactory() {
    }

    public static void build(StreamsBuilder builder, Pipeline pipeline, SluiceTopics topics, IntakeRules rules) {
        KStream<byte[], byte[]> source = builder.stream(topics.jobs().name(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SOURCE));
        boolean wantsJob = pipeline.inputType() == Job.class;
        KStream<String, Flow> flow = source.process(
                () -> new IntakeProcessor(topics.jobs().valueSerde().deserializer(), rules, wantsJob), Named.as(INTAKE));
        for (Pipeline.StageDefinition stage : pipeline.stages()) {
            if (stage.kind() == Pipeline.Kind.GATHER) {
                builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(GatherProcessor.partsStore(stage)), Serdes.String(), Serdes.ByteArray()));
                builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(GatherProcessor.flushedStore(stage)), Serdes.String(), Serdes.String()));
                flow = flow.process(() -> new GatherProcessor(stage), Named.as(stage.name()),
                        GatherProcessor.partsStore(stage), GatherProcessor.flushedStore(stage));
            } else {
                flow = flow.process(() -> new StageProcessor(stage), Named.as(stage.name()));
            }
        }
        String name = pipeline.name();
        flow.process(() -> new CollectProcessor(name), Named.as(COLLECT))
                .split(Named.as(ROUTE))
                .branch((key, value) -> value instanceof Flow.Emit, Branched.withConsumer(results -> results
                        .mapValues(value -> ((Flow.Emit) value).result(), Named.as("sluice.result-value"))
                        .to(topics.results().name(), Produced.with(Serdes.String(), topics.results().valueSerde())
                                .withName(RESULTS_SINK)), "results"))
                .branch((key, value) -> value instanceof Flow.DeadLetter, Branched.withConsumer(dead -> dead
                        .map((key, value) -> KeyValue.pair(((Flow.DeadLetter) value).key(), ((Flow.DeadLetter) value).value()),
                                Named.as("sluice.dead-letter-record"))
                        .to(topics.deadLetters().name(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray())
                                .withName(DLQ_SINK)), "dlq"))
                .noDefaultBranch();
    }

}
