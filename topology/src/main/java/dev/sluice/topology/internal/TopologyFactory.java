package dev.sluice.topology.internal;

import dev.sluice.schemas.Job;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.serdes.Topic;
import dev.sluice.topology.CallsInFlight;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.pipeline.ResourceNames;
import dev.sluice.topology.pipeline.StageDefinition;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.BranchedKStream;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * Lays a pipeline out as Kafka Streams nodes, one segment per source: the main segment reads
 * {@code <prefix>.jobs}; each lane's segment reads {@code <prefix>.jobs.<lane>} and runs its own copy
 * of the stages after the branch, so that a separate group of instances can run it alone.
 *
 * <p>Within a segment: {@code sluice.source -> sluice.intake -> <stages> -> sluice.collect}, then a
 * split sends results to {@code sluice.results}, events to {@code sluice.events} and dead letters to
 * {@code sluice.dlq}. A segment is
 * one sub-topology: nothing in it is repartitioned, so every part of a job stays in the task that
 * read the job, and a join's two sides ({@code <join>-left}, {@code <join>-right}) meet in a store
 * of the join's own. In a lane's
 * segment every name starts with {@code <lane>.}. Engine nodes carry a dot, which stage names
 * cannot, so the two never clash.
 */
public final class TopologyFactory {

    /** The segment that reads the source topic. */
    public static final String MAIN = "main";

    public static final String SOURCE = "sluice.source";
    public static final String INTAKE = "sluice.intake";
    public static final String COLLECT = "sluice.collect";
    public static final String RESULTS_SINK = "sluice.results";
    public static final String DLQ_SINK = "sluice.dlq";
    public static final String EVENTS_SINK = "sluice.events";
    public static final String STATUS_SOURCE = "sluice.status-source";

    private final StreamsBuilder builder;
    private final Pipeline pipeline;
    private final SluiceTopics topics;
    private final IntakeRules rules;
    private final int maxResultBytes;
    /** Where the stages' meters go; null for none. */
    private final MeterRegistry meters;
    /** The jobs cancelled through the control topic, shared by every processor of this topology. */
    private final Cancellations cancellations;
    /** What each task's processors hold while a record is processed, handed to every processor. */
    private final HeldTasks held;
    /** Told of the calls of the asynchronous stages. */
    private final CallsInFlight calls;

    private TopologyFactory(StreamsBuilder builder, Pipeline pipeline, SluiceTopics topics, Settings settings) {
        this.builder = builder;
        this.pipeline = pipeline;
        this.topics = topics;
        this.rules = settings.rules();
        this.maxResultBytes = settings.maxResultBytes();
        this.meters = settings.meters();
        this.cancellations = new Cancellations(settings.cancelRetention());
        this.held = new HeldTasks(settings.events());
        this.calls = settings.calls();
    }

    /**
     * What the topology is built with, beside its pipeline and topics.
     *
     * @param rules what the intake checks of each job
     * @param maxResultBytes the largest result the producer can send (its max.request.size)
     * @param segments {@link #MAIN} and lane names to lay out; all of them when empty
     * @param pauses told what the control topic says about pausing: the lane (null for the pipeline) and
     *     whether it is paused now
     * @param meters where each stage's meters go (see {@link StageMetrics}); none if null
     * @param statusRetention how long the status store keeps a job's status, with the main segment; no
     *     store if null
     * @param cancelRetention how long a cancel is remembered
     * @param events whether jobs' events go to the events topic
     * @param calls told of the calls of the asynchronous stages
     */
    public record Settings(IntakeRules rules, int maxResultBytes, Set<String> segments,
                           BiConsumer<String, Boolean> pauses, MeterRegistry meters, Duration statusRetention,
                           Duration cancelRetention, boolean events, CallsInFlight calls) {
    }

    /** Adds the pipeline's segments to {@code builder}. */
    public static void build(StreamsBuilder builder, Pipeline pipeline, SluiceTopics topics, Settings settings) {
        TopologyFactory factory = new TopologyFactory(builder, pipeline, topics, settings);
        factory.control(settings.pauses());
        Set<String> wanted = settings.segments().isEmpty() ? allSegments(pipeline) : settings.segments();
        for (String segment : wanted) {
            if (!allSegments(pipeline).contains(segment)) {
                throw new IllegalArgumentException("pipeline " + pipeline.name() + " has no lane " + segment
                        + "; its lanes are " + allSegments(pipeline));
            }
        }
        if (wanted.contains(MAIN)) {
            factory.segment(null, topics.jobs(), pipeline.entry(), pipeline.stages());
            if (settings.statusRetention() != null) {
                factory.status(settings.statusRetention());
            }
        }
        for (String lane : pipeline.lanes()) {
            if (wanted.contains(lane)) {
                StageDefinition entry = pipeline.laneEntry(lane);
                factory.segment(lane, topics.lane(lane), entry, pipeline.reachableFrom(entry.name()));
            }
        }
    }

    /**
     * The control topic as a global store on every instance: its cancels reach every processor of
     * this topology through {@link #cancellations}, its pauses and resumes go to {@code pauses}.
     */
    private void control(BiConsumer<String, Boolean> pauses) {
        String topic = topics.control().name();
        var commands = topics.control().valueSerde().deserializer();
        builder.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ResourceNames.CONTROL),
                        Serdes.ByteArray(), Serdes.ByteArray()).withLoggingDisabled(), topic,
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(ResourceNames.CONTROL + "-source"),
                () -> new ControlProcessor(topic, commands, cancellations, pauses));
    }

    /** Each job's latest status, from the events topic, in store {@link ResourceNames#STATUS}; see {@link StatusProcessor}. */
    private void status(Duration retention) {
        var store = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ResourceNames.STATUS),
                Serdes.String(), Serdes.ByteArray());
        // cached: a job's events within a commit interval cost one write, and queries see the cache. A
        // pass-through job's events are one record (accepted and ended together), so there the cache
        // would save no write and cost a sorted map's insert and eviction per job (a tenth of the thread)
        builder.addStateStore(pipeline.isPassThrough() ? store : store.withCachingEnabled());
        String topic = topics.events().name();
        var events = topics.events().valueSerde().deserializer();
        long retentionMillis = retention.toMillis();
        builder.stream(topic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(STATUS_SOURCE))
                .process(() -> new StatusProcessor(events, topic, retentionMillis), Named.as(ResourceNames.STATUS),
                        ResourceNames.STATUS);
    }

    /** {@code node}, seeing this topology's cancellations and held parts, counting into its stage's meters. */
    private <P extends StageNode> P node(P node) {
        node.cancellations = cancellations;
        node.tasks = held;
        node.metrics = StageMetrics.of(meters, node.definition.name(), node.definition instanceof StageDefinition.Gather);
        return node;
    }

    /** {@link #MAIN} and every lane of the pipeline. */
    public static Set<String> allSegments(Pipeline pipeline) {
        Set<String> all = new LinkedHashSet<>();
        all.add(MAIN);
        all.addAll(pipeline.lanes());
        return all;
    }

    private void segment(String lane, Topic<String, ?> sourceTopic, StageDefinition entry, List<StageDefinition> stages) {
        List<KStream<String, Flow>> leaving = new ArrayList<>();
        KStream<byte[], byte[]> source = builder.stream(sourceTopic.name(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(n(lane, SOURCE)));
        // what the segment's jobs carry: the pipeline's input, or in a lane what the branch sent
        PayloadType<?> carried = lane == null ? pipeline.input() : pipeline.lanePayload(lane);
        var payloads = pipeline.isPassThrough() ? null : topics.payloadSerde(carried).deserializer();
        // a job that takes a lane was checked for a duplicate id where it entered, in the main segment
        String ids = lane == null && rules.duplicateWindow() != null ? ResourceNames.JOB_IDS : null;
        if (ids != null) {
            builder.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(ids, rules.duplicateWindow(),
                    rules.duplicateWindow(), false), Serdes.String(), Serdes.String()).withCachingEnabled());
        }
        String waits = ResourceNames.inLane(lane, ResourceNames.REGISTRY_WAITS);
        // held in memory (it is small, and empty unless the registry is away), restored from its changelog
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(waits), Serdes.String(),
                Serdes.ByteArray()));
        KStream<String, Flow> intake = source.process(
                () -> new IntakeProcessor(topics.jobs().valueSerde().deserializer(), rules, payloads, carried, ids,
                        cancellations, held, pipeline.isPassThrough() ? PassThroughCopy.of(topics.jobs().valueSerde().deserializer(),
                                topics.results().valueSerde().serializer(), topics.results().name()) : null,
                        maxResultBytes, waits, lane == null),
                Named.as(n(lane, INTAKE)), ids == null ? new String[] {waits} : new String[] {ids, waits});
        KStream<String, Flow> jobs = envelopesOnly(intake, n(lane, INTAKE), leaving);

        Map<String, KStream<String, Flow>> out = new HashMap<>();
        Set<String> inSegment = new LinkedHashSet<>();
        stages.forEach(s -> inSegment.add(s.name()));
        if (entry == null) {
            leaving.add(collect(lane, List.of(jobs)));
            route(lane, leaving);
            return;
        }
        for (StageDefinition stage : stages) {
            List<KStream<String, Flow>> inputs = new ArrayList<>();
            if (stage.name().equals(entry.name())) {
                inputs.add(jobs);
            }
            if (stage instanceof StageDefinition.Join join) {
                out.put(stage.name(), join(lane, join, from(out, stage.inputs().get(0), stage),
                        from(out, stage.inputs().get(1), stage)));
                continue;
            }
            for (String input : stage.inputs()) {
                if (inSegment.contains(input) && !(lane != null && stage.name().equals(entry.name()))) {
                    inputs.add(from(out, input, stage));
                }
            }
            KStream<String, Flow> in = merge(lane, stage, inputs);
            String name = n(lane, stage.name());
            if (stage instanceof StageDefinition.PerInput perInput) {
                String retries = retryStore(lane, perInput);
                out.put(stage.name(), in.process(() -> node(new StageProcessor(perInput, retries)), Named.as(name),
                        storesOf(retries)));
            } else if (stage instanceof StageDefinition.Broadcast) {
                out.put(stage.name(), in.process(PassProcessor::new, Named.as(name)));
            } else if (stage instanceof StageDefinition.Gather gather) {
                out.put(stage.name(), envelopesOnly(gather(lane, gather, in), name, leaving));
            } else if (stage instanceof StageDefinition.Branch branch) {
                branch(lane, branch, in, out);
            } else if (stage instanceof StageDefinition.Batch batch) {
                out.put(stage.name(), batch(lane, batch, in));
            } else if (stage instanceof StageDefinition.Async async) {
                out.put(stage.name(), async(lane, async, in));
            }
        }
        List<KStream<String, Flow>> ends = new ArrayList<>();
        for (StageDefinition stage : stages) {
            if (!(stage instanceof StageDefinition.Branch) && pipeline.successors(stage.name()).isEmpty()) {
                ends.add(out.get(stage.name()));
            }
        }
        leaving.add(collect(lane, ends));
        route(lane, leaving);
    }

    private static KStream<String, Flow> from(Map<String, KStream<String, Flow>> out, String input, StageDefinition to) {
        KStream<String, Flow> edge = out.get(input + ">" + to.name());
        return edge != null ? edge : out.get(input);
    }

    private static String n(String lane, String name) {
        return ResourceNames.inLane(lane, name);
    }

    private KStream<String, Flow> merge(String lane, StageDefinition stage, List<KStream<String, Flow>> inputs) {
        KStream<String, Flow> merged = inputs.get(0);
        for (int i = 1; i < inputs.size(); i++) {
            merged = merged.merge(inputs.get(i), Named.as(n(lane, stage.name()) + "-merge-" + i));
        }
        return merged;
    }

    /** Envelopes go on; results and dead letters made on the way join {@code leaving}. */
    private static KStream<String, Flow> envelopesOnly(KStream<String, Flow> stream, String name,
                                                      List<KStream<String, Flow>> leaving) {
        Map<String, KStream<String, Flow>> split = stream.split(Named.as(name + "-"))
                .branch((key, value) -> value instanceof Flow.Envelope, Branched.as("envelopes"))
                .defaultBranch(Branched.as("leaving"));
        leaving.add(split.get(name + "-leaving"));
        return split.get(name + "-envelopes");
    }

    private KStream<String, Flow> gather(String lane, StageDefinition.Gather stage, KStream<String, Flow> in) {
        String parts = n(lane, ResourceNames.gatherParts(stage.name()));
        String flushed = n(lane, ResourceNames.gatherFlushed(stage.name()));
        // cached: a group that completes between two commits never reaches RocksDB or the changelog
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(parts), Serdes.String(),
                Serdes.ByteArray()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(flushed), Serdes.String(),
                Serdes.String()).withCachingEnabled());
        return in.process(() -> node(new GatherProcessor(stage, parts, flushed)), Named.as(n(lane, stage.name())), parts, flushed);
    }

    private KStream<String, Flow> batch(String lane, StageDefinition.Batch stage, KStream<String, Flow> in) {
        String buffer = n(lane, ResourceNames.batchBuffer(stage.name()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(buffer), Serdes.String(),
                Serdes.ByteArray()).withCachingEnabled());
        String retries = retryStore(lane, stage);
        String[] stores = retries == null ? new String[] {buffer} : new String[] {buffer, retries};
        return in.process(() -> node(new BatchProcessor(stage, buffer, retries)), Named.as(n(lane, stage.name())), stores);
    }

    /**
     * An asynchronous stage, its calls' inputs in store {@code <stage>-calls}: cached, so that a call that
     * comes back before the next commit never reaches RocksDB. Its tasks in this instance (in every segment,
     * when it has meters) share one rate.
     */
    private KStream<String, Flow> async(String lane, StageDefinition.Async stage, KStream<String, Flow> in) {
        String store = n(lane, ResourceNames.calls(stage.name()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), Serdes.String(),
                Serdes.ByteArray()).withCachingEnabled());
        CallRate rate = CallRate.of(meters, stage.name(), stage.rate());
        return in.process(() -> node(new AsyncProcessor(stage, store, rate, calls)), Named.as(n(lane, stage.name())),
                store);
    }

    /**
     * The store where the parts of a stage with retries wait for them, added to the topology; null for
     * a stage without. Cached: a retry that comes due before the next commit never reaches RocksDB.
     */
    private String retryStore(String lane, StageDefinition.Calling stage) {
        if (!stage.retry().retriesAny()) {
            return null;
        }
        String name = n(lane, ResourceNames.retries(stage.name()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(),
                Serdes.ByteArray()).withCachingEnabled());
        return name;
    }

    private static String[] storesOf(String store) {
        return store == null ? new String[0] : new String[] {store};
    }

    private void branch(String lane, StageDefinition.Branch stage, KStream<String, Flow> in,
                        Map<String, KStream<String, Flow>> out) {
        String name = n(lane, stage.name());
        KStream<String, Flow> routed = in.process(() -> node(new BranchProcessor(stage)), Named.as(name));
        BranchedKStream<String, Flow> split = routed.split(Named.as(name + "-"));
        List<StageDefinition.Route> routes = stage.routes();
        for (int i = 0; i < routes.size(); i++) {
            int index = i;
            split = split.branch((key, value) -> ((Flow.Routed) value).route() == index,
                    Branched.as("route-" + index));
        }
        Map<String, KStream<String, Flow>> paths = split.defaultBranch(Branched.as("default"));
        for (int i = 0; i < routes.size(); i++) {
            StageDefinition.Route route = routes.get(i);
            KStream<String, Flow> path = paths.get(name + "-route-" + i);
            if (route.lane() != null) {
                Topic<String, Job> laneTopic = topics.lane(route.lane());
                @SuppressWarnings("unchecked")
                var payloads = (Serializer<Object>) topics.payloadSerde(pipeline.lanePayload(route.lane())).serializer();
                path.process(() -> new LaneWriter(payloads, laneTopic.name()), Named.as(name + "-to-" + route.lane()))
                        .to(laneTopic.name(), Produced.with(laneTopic.keySerde(), laneTopic.valueSerde())
                                .withName(name + "-lane-" + route.lane()));
            } else {
                out.put(stage.name() + ">" + route.to(), unwrap(path, name + "-route-" + i + "-records"));
            }
        }
        out.put(stage.name() + ">" + stage.otherwise(), unwrap(paths.get(name + "-default"), name + "-default-records"));
    }

    private static KStream<String, Flow> unwrap(KStream<String, Flow> routed, String name) {
        return routed.mapValues(value -> (Flow) ((Flow.Routed) value).envelope(), Named.as(name));
    }

    /**
     * Both sides of a join run in this segment's one sub-topology, in the task that holds the job,
     * so they meet in a store shared by the two side processors; see {@link JoinProcessor}.
     */
    private KStream<String, Flow> join(String lane, StageDefinition.Join stage, KStream<String, Flow> left,
                                       KStream<String, Flow> right) {
        String name = n(lane, stage.name());
        String store = ResourceNames.joinStore(name);
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), Serdes.String(),
                Serdes.ByteArray()).withCachingEnabled());
        KStream<String, Flow> fromLeft = left.process(() -> node(new JoinProcessor(stage, JoinProcessor.Side.LEFT, store)),
                Named.as(ResourceNames.joinLeft(name)), store);
        KStream<String, Flow> fromRight = right.process(() -> node(new JoinProcessor(stage, JoinProcessor.Side.RIGHT, store)),
                Named.as(ResourceNames.joinRight(name)), store);
        return fromLeft.merge(fromRight, Named.as(name));
    }

    private KStream<String, Flow> collect(String lane, List<KStream<String, Flow>> ends) {
        KStream<String, Flow> all = ends.get(0);
        for (int i = 1; i < ends.size(); i++) {
            all = all.merge(ends.get(i), Named.as(n(lane, COLLECT) + "-merge-" + i));
        }
        String name = pipeline.name();
        var serializer = topics.results().valueSerde().serializer();
        @SuppressWarnings("unchecked")
        var outputs = (Serializer<Object>) topics.payloadSerde(pipeline.output()).serializer();
        String resultsTopic = topics.results().name();
        // a pass-through's outputs are its jobs' payloads as they came: of the jobs topic's payload subject
        String outputTopic = pipeline.isPassThrough() ? topics.jobs().name() : resultsTopic;
        return all.process(() -> new CollectProcessor(name, serializer, outputs, resultsTopic, outputTopic,
                        maxResultBytes, held),
                Named.as(n(lane, COLLECT)));
    }

    /** Results to the results topic, events to the events topic, dead letters to the dead-letter topic. */
    private void route(String lane, List<KStream<String, Flow>> leaving) {
        KStream<String, Flow> all = leaving.get(0);
        for (int i = 1; i < leaving.size(); i++) {
            all = all.merge(leaving.get(i), Named.as(n(lane, "sluice.leaving-merge-" + i)));
        }
        all.split(Named.as(n(lane, "sluice.route-")))
                // a result leaves as the bytes the collector made, to check its size before the send
                .branch((key, value) -> value instanceof Flow.Emit, Branched.withConsumer(results -> results
                        .mapValues(value -> ((Flow.Emit) value).bytes(topics.results()),
                                Named.as(n(lane, "sluice.result-value")))
                        .to(topics.results().name(), Produced.with(Serdes.String(), Serdes.ByteArray())
                                .withName(n(lane, RESULTS_SINK))), "results"))
                .branch((key, value) -> value instanceof Flow.Event, Branched.withConsumer(events -> events
                        .mapValues(value -> ((Flow.Event) value).events(), Named.as(n(lane, "sluice.event-value")))
                        .to(topics.events().name(), Produced.with(topics.events().keySerde(),
                                topics.events().valueSerde()).withName(n(lane, EVENTS_SINK))), "events"))
                .branch((key, value) -> value instanceof Flow.DeadLetter, Branched.withConsumer(dead -> dead
                        .map((key, value) -> KeyValue.pair(((Flow.DeadLetter) value).key(), ((Flow.DeadLetter) value).value()),
                                Named.as(n(lane, "sluice.dead-letter-record")))
                        .to(topics.deadLetters().name(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray())
                                .withName(n(lane, DLQ_SINK))), "dlq"))
                .noDefaultBranch();
    }
}
