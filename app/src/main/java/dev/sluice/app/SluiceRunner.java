package dev.sluice.app;

import dev.sluice.schemas.Control;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobResult;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.InMemorySchemaRegistry;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.serdes.internal.WireFormat;
import dev.sluice.topology.PauseListener;
import dev.sluice.topology.Pipeline;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.SluiceTopology;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one pipeline instance: creates missing topics, builds the topology and starts Kafka Streams.
 * More instances with the same application.id share the partitions.
 */
public final class SluiceRunner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SluiceRunner.class);

    private final SluiceTopics topics;
    private final KafkaStreams streams;
    private final Properties props;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean failed;
    private final java.util.concurrent.atomic.AtomicBoolean closeLogged = new java.util.concurrent.atomic.AtomicBoolean();

    private SluiceRunner(SluiceTopics topics, KafkaStreams streams, Properties props) {
        this.topics = topics;
        this.streams = streams;
        this.props = props;
    }

    /**
     * Starts the pipeline; returns once Kafka Streams is starting (see {@link #awaitRunning}).
     *
     * @param extraStreamsProps settings over the configuration's, e.g. a state directory
     */
    public static SluiceRunner start(SluiceConfig config, Pipeline pipeline, Map<String, Object> extraStreamsProps)
            throws InterruptedException {
        return start(config, pipeline, extraStreamsProps, Set.of());
    }

    /**
     * Starts some segments of the pipeline: {@code main} (reads {@code <prefix>.jobs}) and lane names
     * (read {@code <prefix>.jobs.<lane>}); all of them when {@code segments} is empty. An instance that
     * runs a subset gets its own default application.id, {@code <prefix>-<pipeline>-<segment>[-...]}:
     * instances of one application must all run the same topology.
     */
    public static SluiceRunner start(SluiceConfig config, Pipeline pipeline, Map<String, Object> extraStreamsProps,
                                     Set<String> segments) throws InterruptedException {
        Set<String> all = SluiceTopology.segments(pipeline);
        for (String segment : segments) {
            if (!all.contains(segment)) {
                throw new org.apache.kafka.common.config.ConfigException("lanes", segment,
                        "pipeline " + pipeline.name() + " has no such lane; it has " + all);
            }
        }
        Properties props = config.streamsProperties();
        boolean subset = !segments.isEmpty() && !segments.containsAll(all);
        if (subset && !config.kafka().containsKey(StreamsConfig.APPLICATION_ID_CONFIG)) {
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG) + "-"
                    + String.join("-", all.stream().filter(segments::contains).toList()));
        }
        props.putAll(extraStreamsProps);
        SluiceTopics topics = SluiceTopics.create(config.topicPrefix(), AvroSerdes.forUrl(config.registryUrl(), Map.of()));
        if (config.getBoolean(SluiceConfig.TOPICS_CREATE_CONFIG)) {
            TopicSetup.ensure(adminConfig(props), topics, pipeline.lanes(), config.getInt(SluiceConfig.TOPICS_PARTITIONS_CONFIG),
                    config.getShort(SluiceConfig.TOPICS_REPLICATION_FACTOR_CONFIG));
        }
        registerInMemory(config.registryUrl(), topics, pipeline);
        Pauses pauses = new Pauses(segments.isEmpty() ? all : segments);
        Topology topology = SluiceTopology.build(pipeline, topics, config, props, segments, pauses);
        KafkaStreams streams = new KafkaStreams(topology, props);
        pauses.streams = streams;
        SluiceRunner runner = new SluiceRunner(topics, streams, props);
        streams.setStateListener((now, before) -> {
            log.info("pipeline {} {} -> {}", pipeline.name(), before, now);
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                runner.stopped.countDown();
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            log.error("stream thread failed; stopping this instance", e);
            runner.failed = true;
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        log.info("starting pipeline {} ({}, lanes {}), application.id {}, {} on {}", pipeline.name(),
                pipeline.isPassThrough() ? "pass-through" : pipeline.stages().size() + " stages",
                segments.isEmpty() ? all : segments,
                props.get(StreamsConfig.APPLICATION_ID_CONFIG), props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG),
                props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        streams.start();
        return runner;
    }

    /** The topics this instance reads and writes, with their serdes. */
    public SluiceTopics topics() {
        return topics;
    }

    /** Client settings (bootstrap servers and the security settings) for a client of the same cluster. */
    public Map<String, Object> clientConfig() {
        return adminConfig(props);
    }

    /** Waits until Kafka Streams is RUNNING. */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (!streams.state().isRunningOrRebalancing() && streams.state() != KafkaStreams.State.CREATED) {
                throw new IllegalStateException("pipeline stopped while starting: " + streams.state());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pipeline not running after " + timeout + ": " + streams.state());
            }
            Thread.sleep(20);
        }
    }

    /** Blocks until the instance stops; true if it stopped because a stream thread failed. */
    public boolean awaitStop() throws InterruptedException {
        stopped.await();
        return failed || streams.state() == KafkaStreams.State.ERROR;
    }

    /** How many active tasks this instance's stream threads hold now. */
    public int activeTasks() {
        return streams.metadataForLocalThreads().stream().mapToInt(t -> t.activeTasks().size()).sum();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /**
     * Stops the instance and leaves its group, so that its tasks move to the other instances at once
     * rather than after the group's session timeout (45 s by default): a stopped instance is not
     * coming back under the same member id.
     */
    @Override
    public void close() {
        boolean closed = streams.close(CloseOptions.groupMembershipOperation(
                CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofSeconds(30)));
        if (closeLogged.compareAndSet(false, true)) {
            // said here, on the closing thread: Kafka Streams tells its state listener on a thread of its
            // own, which a JVM that is shutting down may not wait for
            log.info(closed ? "pipeline stopped ({})" : "pipeline did not stop within 30 s ({})", streams.state());
        }
        stopped.countDown();
    }

    /**
     * With the in-memory registry, registers the schemas this instance reads and writes (a job on the
     * jobs and lane topics, a result on the results topic, a command on the control topic) before any
     * record: a process resolves only
     * the ids it registered, so otherwise an instance of its own could not read the first job another
     * process wrote (ids derive from the schema, so both sides agree on them).
     */
    static void registerInMemory(String url, SluiceTopics topics, Pipeline pipeline) {
        if (!url.startsWith("mem://")) {
            return;
        }
        InMemorySchemaRegistry registry = InMemorySchemaRegistry.scope(url.substring("mem://".length()));
        registry.register(WireFormat.subject(topics.jobs().name(), false), Job.getClassSchema());
        for (String lane : pipeline.lanes()) {
            registry.register(WireFormat.subject(topics.lane(lane).name(), false), Job.getClassSchema());
        }
        registry.register(WireFormat.subject(topics.results().name(), false), JobResult.getClassSchema());
        registry.register(WireFormat.subject(topics.control().name(), false), Control.getClassSchema());
    }

    /**
     * What the control topic says about pausing, applied to this instance: it pauses when the whole
     * pipeline is paused, or when every segment it runs is a lane that is paused (Kafka Streams pauses
     * an instance as a whole, so an instance that runs the main segment too pauses only with the
     * pipeline).
     */
    static final class Pauses implements PauseListener {
        private static final String PIPELINE = "";
        private final Set<String> segments;
        private final Set<String> paused = java.util.concurrent.ConcurrentHashMap.newKeySet();
        volatile KafkaStreams streams;

        Pauses(Set<String> segments) {
            this.segments = Set.copyOf(segments);
        }

        @Override
        public synchronized void paused(String lane, boolean pause) {
            String scope = lane == null ? PIPELINE : lane;
            if (pause) {
                paused.add(scope);
            } else {
                paused.remove(scope);
            }
            boolean shouldPause = paused.contains(PIPELINE)
                    || (!segments.contains(SluiceTopology.MAIN) && paused.containsAll(segments));
            if (shouldPause && !streams.isPaused()) {
                log.info("pausing: {} paused through the control topic", lane == null ? "the pipeline" : "lane " + lane);
                streams.pause();
            } else if (!shouldPause && streams.isPaused()) {
                log.info("resuming: {} resumed through the control topic", lane == null ? "the pipeline" : "lane " + lane);
                streams.resume();
            }
        }
    }

    /**
     * A job client of the deployment {@code loaded} describes, for the commands that talk to a running
     * pipeline ({@code cancel}, {@code pause}, {@code resume}); with a {@code mem://} registry, our
     * schemas are registered first, as an instance does.
     */
    static dev.sluice.connectors.JobClient client(ConfigLoader.Loaded loaded) {
        SluiceTopics topics = SluiceTopics.create(loaded.config().topicPrefix(),
                AvroSerdes.forUrl(loaded.config().registryUrl(), Map.of()));
        registerInMemory(loaded.config().registryUrl(), topics, loaded.pipeline());
        return dev.sluice.connectors.JobClient.create(adminConfig(loaded.config().streamsProperties()), topics);
    }

    /** Whether this instance is paused (through the control topic). */
    public boolean isPaused() {
        return streams.isPaused();
    }

    static Map<String, Object> adminConfig(Properties props) {
        Map<String, Object> admin = new HashMap<>();
        props.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k.toString()) && !k.equals(AdminClientConfig.CLIENT_ID_CONFIG)) {
                admin.put(k.toString(), v);
            }
        });
        return admin;
    }
}
