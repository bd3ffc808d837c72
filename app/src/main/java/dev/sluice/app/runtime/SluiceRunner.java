package dev.sluice.app.runtime;

import dev.sluice.client.JobClient;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.PauseListener;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.SluiceTopology;
import dev.sluice.topology.pipeline.Pipeline;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
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
    /** One Kafka Streams instance per segment this instance runs, the main one first. */
    private final List<Segment> segments;
    private final Properties props;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final PrometheusMeterRegistry meters;
    private volatile boolean failed;
    /** Why a stream thread failed, for {@link #awaitRunning}; null while none has. */
    private volatile String failure;
    private final AtomicBoolean closeLogged = new AtomicBoolean();
    /** What measures each segment's consumer lag once {@link #bindMetrics} is asked for; null until then. */
    private LaneLag laneLag;

    /** A segment of the pipeline, and the Kafka Streams instance that runs it here with its settings. */
    private record Segment(String name, KafkaStreams streams, Properties props) {
    }

    private SluiceRunner(SluiceTopics topics, List<Segment> segments, Properties props,
                         PrometheusMeterRegistry meters) {
        this.meters = meters;
        this.topics = topics;
        this.segments = segments;
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
     * (read {@code <prefix>.jobs.<lane>}); all of them when {@code segments} is empty. Each segment runs
     * in a Kafka Streams instance of its own, so that a lane can be paused alone: the main segment's
     * application.id is the configured one ({@code <prefix>-<pipeline>} by default), a lane's that
     * with {@code -<lane>} after it. So every instance that runs a segment, alone or with others, shares
     * that segment's partitions with the others.
     */
    public static SluiceRunner start(SluiceConfig config, Pipeline pipeline, Map<String, Object> extraStreamsProps,
                                     Set<String> segments) throws InterruptedException {
        Set<String> all = SluiceTopology.segments(pipeline);
        for (String segment : segments) {
            if (!all.contains(segment)) {
                throw new ConfigException("lanes", segment,
                        "pipeline " + pipeline.name() + " has no such lane; it has " + all);
            }
        }
        Properties props = config.streamsProperties();
        props.putAll(extraStreamsProps);
        AvroSerdes serdes = AvroSerdes.forUrl(config.registryUrl());
        SluiceTopics topics = SluiceTopics.create(config.topicPrefix(), serdes);
        try (Admin admin = Admin.create(adminConfig(props))) {
            if (config.getBoolean(SluiceConfig.TOPICS_CREATE_CONFIG)) {
                TopicSetup.ensure(admin, topics, pipeline.lanes(), config.getInt(SluiceConfig.TOPICS_PARTITIONS_CONFIG),
                        config.getShort(SluiceConfig.TOPICS_REPLICATION_FACTOR_CONFIG));
            }
            // what the principal may do on each topic, asked before anything runs (groups and transactional ids
            // cannot be asked before they are used: see the uncaught exception handler below)
            AccessCheck.verify(admin, AccessCheck.needs(topics, pipeline.lanes(),
                    segments.isEmpty() ? all : segments, !config.statusRetention().isZero()));
        }
        // every id this instance writes, and the ids of the schemas it reads, are known before any record
        SchemaSetup.prepare(serdes.registry(), SchemaSetup.subjects(topics, pipeline),
                config.registryCompatibility(), config.registryStartupTimeout());
        List<Segment> running = new ArrayList<>();
        var meters = new PrometheusMeterRegistry(
                PrometheusConfig.DEFAULT);
        for (String segment : all) {
            if (segments.isEmpty() || segments.contains(segment)) {
                Properties own = SluiceTopology.withDefaultsFor(pipeline, segmentProperties(props, segment));
                Pauses pauses = new Pauses(segment);
                KafkaStreams streams = new KafkaStreams(
                        SluiceTopology.build(pipeline, topics, config, own, SluiceTopology.Options.DEFAULT
                                .withSegments(Set.of(segment)).withPauses(pauses).withMeters(meters)), own);
                pauses.streams = streams;
                running.add(new Segment(segment, streams, own));
            }
        }
        SluiceRunner runner = new SluiceRunner(topics, List.copyOf(running), props, meters);
        for (Segment segment : running) {
            String name = segment.name().equals(SluiceTopology.MAIN) ? pipeline.name() : pipeline.name() + "/" + segment.name();
            segment.streams().setStateListener((now, before) -> {
                log.info("pipeline {} {} -> {}", name, before, now);
                if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                    runner.stopped.countDown();
                }
            });
            segment.streams().setUncaughtExceptionHandler(e -> {
                if (lostItsTransaction(e)) {
                    log.warn("stream thread of {} lost its transaction ({}); replacing the thread: its tasks start"
                            + " again from their last commit", name, rootMessage(e));
                    return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
                }
                String refused = AccessCheck.explain(e);
                if (refused != null) {
                    log.error("stream thread of {} failed; stopping this instance. {}", name, refused);
                } else {
                    log.error("stream thread of {} failed; stopping this instance", name, e);
                }
                runner.failure = refused != null ? refused : String.valueOf(e);
                runner.failed = true;
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
        }
        for (Segment segment : running) {
            Properties own = segment.props();
            log.info("starting pipeline {} ({}, {}), application.id {}, {} on {}", pipeline.name(),
                    pipeline.isPassThrough() ? "pass-through" : pipeline.stages().size() + " stages",
                    segment.name().equals(SluiceTopology.MAIN) ? "main segment" : "lane " + segment.name(),
                    own.get(StreamsConfig.APPLICATION_ID_CONFIG), own.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG),
                    own.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
            segment.streams().start();
        }
        return runner;
    }

    /** The settings of the Kafka Streams instance of {@code segment}: a lane's ids end in {@code -<lane>}. */
    private static Properties segmentProperties(Properties props, String segment) {
        Properties own = new Properties();
        own.putAll(props);
        if (!segment.equals(SluiceTopology.MAIN)) {
            own.put(StreamsConfig.APPLICATION_ID_CONFIG, props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG) + "-" + segment);
            if (props.containsKey(StreamsConfig.CLIENT_ID_CONFIG)) {
                own.put(StreamsConfig.CLIENT_ID_CONFIG, props.getProperty(StreamsConfig.CLIENT_ID_CONFIG) + "-" + segment);
            }
        }
        return own;
    }

    /**
     * Whether this instance is ready for work: every segment's Kafka Streams instance RUNNING, and each
     * of its stream threads polling and connected to the cluster. A stream thread that dies takes its
     * instance to ERROR (Sluice's handler shuts the client down); one whose main consumer has not polled
     * for {@code maxPollIdle} is stuck in a call (a stage without a time limit that hangs) and will leave
     * its group at max.poll.interval.ms; one whose main consumer has no connection to any broker cannot
     * read or write (the whole cluster is away, or the network between): Kafka Streams stays RUNNING
     * through an outage, waiting, so its state alone would say ready.
     *
     * @param state the first state that is not RUNNING, else RUNNING
     * @param reason why it is not ready; null when it is
     */
    public record Readiness(boolean ready, String state, String reason) {
    }

    /** See {@link Readiness}. */
    public Readiness readiness(Duration maxPollIdle) {
        for (Segment segment : segments) {
            KafkaStreams.State now = segment.streams().state();
            if (now != KafkaStreams.State.RUNNING) {
                return new Readiness(false, now.name(), "segment " + segment.name() + " is " + now);
            }
            for (var metric : segment.streams().metrics().entrySet()) {
                var name = metric.getKey();
                String client = name.tags().getOrDefault("client-id", "");
                if (!name.group().equals("consumer-metrics") || !client.contains("-StreamThread-")
                        || !client.endsWith("-consumer") || client.endsWith("-restore-consumer")) {
                    continue;
                }
                String thread = client.substring(0, client.length() - "-consumer".length());
                double value = ((Number) metric.getValue().metricValue()).doubleValue();
                if (name.name().equals("last-poll-seconds-ago") && value * 1000 > maxPollIdle.toMillis()) {
                    return new Readiness(false, now.name(), String.format(Locale.ROOT,
                            "stream thread %s of segment %s has not polled for %.0f s (health.max.poll.idle.ms"
                                    + " is %d): a call may be stuck", thread, segment.name(), value,
                            maxPollIdle.toMillis()));
                }
                if (name.name().equals("connection-count") && value < 1) {
                    return new Readiness(false, now.name(), "stream thread " + thread + " of segment "
                            + segment.name() + " is connected to no broker of " + props.getProperty(
                            StreamsConfig.BOOTSTRAP_SERVERS_CONFIG) + ": the cluster cannot be reached; it waits"
                            + " and goes on by itself when the cluster is back");
                }
            }
        }
        return new Readiness(true, KafkaStreams.State.RUNNING.name(), null);
    }

    /** The Kafka Streams instance that runs {@code segment} here ({@code main} or a lane), or null if none does. */
    public KafkaStreams streams(String segment) {
        for (Segment running : segments) {
            if (running.name().equals(segment)) {
                return running.streams();
            }
        }
        return null;
    }

    /**
     * Bridges the Kafka Streams metrics of every segment this instance runs (its threads, tasks,
     * processors, stores and clients) to {@code registry}, tagged with the segment (main or the lane).
     */
    public void bindMetrics(MeterRegistry registry) {
        LaneLag lag;
        synchronized (this) {
            if (laneLag == null) {
                laneLag = new LaneLag(clientConfig());
            }
            lag = laneLag;
        }
        for (Segment segment : segments) {
            new KafkaStreamsMetrics(segment.streams(),
                    List.of(Tag.of("segment", segment.name()))).bindTo(registry);
            String topic = source(topics, segment.name());
            String group = segment.props().getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
            Gauge.builder("sluice.lane.consumer.lag", lag, l -> l.lag(group, topic))
                    .description("Offsets of the lane's topic its group has not committed yet (main: the jobs topic)")
                    .tags("lane", segment.name(), "topic", topic).register(registry);
        }
    }

    /**
     * This instance's meters: each stage's ({@code sluice_stage_*}, {@code sluice_gather_groups_total}).
     * Kafka Streams' own join them only when something serves them (the gateway's {@code GET /metrics}): bridging
     * them costs about 20 MB of heap and RSS, measured by the bench.
     */
    public PrometheusMeterRegistry meters() {
        return meters;
    }

    /** The topics this instance reads and writes, with their serdes. */
    public SluiceTopics topics() {
        return topics;
    }

    /** Client settings (bootstrap servers and the security settings) for a client of the same cluster. */
    public Map<String, Object> clientConfig() {
        return adminConfig(props);
    }

    /** Waits until every segment's Kafka Streams is RUNNING. */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (state() != KafkaStreams.State.RUNNING) {
            KafkaStreams.State state = state();
            if (!state.isRunningOrRebalancing() && state != KafkaStreams.State.CREATED) {
                throw new IllegalStateException("pipeline stopped while starting: " + state
                        + (failure == null ? "" : ": " + failure));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pipeline not running after " + timeout + ": " + state);
            }
            Thread.sleep(20);
        }
    }

    /** Blocks until the instance stops; true if it stopped because a stream thread failed. */
    public boolean awaitStop() throws InterruptedException {
        stopped.await();
        return failed || segments.stream().anyMatch(s -> s.streams().state() == KafkaStreams.State.ERROR);
    }

    /** How many active tasks this instance's stream threads hold now. */
    public int activeTasks() {
        return segments.stream().flatMap(s -> s.streams().metadataForLocalThreads().stream())
                .mapToInt(t -> t.activeTasks().size()).sum();
    }

    /** RUNNING when every segment runs; else the state of the first segment that does not. */
    public KafkaStreams.State state() {
        for (Segment segment : segments) {
            if (segment.streams().state() != KafkaStreams.State.RUNNING) {
                return segment.streams().state();
            }
        }
        return KafkaStreams.State.RUNNING;
    }

    /**
     * Stops the instance and leaves its group, so that its tasks move to the other instances at once
     * rather than after the group's session timeout (45 s by default): a stopped instance is not
     * coming back under the same member id.
     */
    @Override
    public void close() {
        boolean closed = true;
        for (Segment segment : segments) {
            closed &= segment.streams().close(CloseOptions.groupMembershipOperation(
                    CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofSeconds(30)));
        }
        synchronized (this) {
            if (laneLag != null) {
                laneLag.close();
            }
        }
        if (closeLogged.compareAndSet(false, true)) {
            // said here, on the closing thread: Kafka Streams tells its state listener on a thread of its
            // own, which a JVM that is shutting down may not wait for
            log.info(closed ? "pipeline stopped ({})" : "pipeline did not stop within 30 s ({})", state());
        }
        stopped.countDown();
    }

    /**
     * What the control topic says about pausing, applied to the Kafka Streams instance of one segment:
     * it pauses when the whole pipeline is paused, or when the segment is a lane that is paused.
     */
    static final class Pauses implements PauseListener {
        private static final String PIPELINE = "";
        private final String segment;
        private final Set<String> paused = ConcurrentHashMap.newKeySet();
        volatile KafkaStreams streams;

        Pauses(String segment) {
            this.segment = segment;
        }

        @Override
        public synchronized void paused(String lane, boolean pause) {
            String scope = lane == null ? PIPELINE : lane;
            if (pause) {
                paused.add(scope);
            } else {
                paused.remove(scope);
            }
            boolean shouldPause = paused.contains(PIPELINE) || paused.contains(segment);
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
     * pipeline ({@code cancel}, {@code pause}, {@code resume}); our schemas are registered first (with a
     * {@code mem://} registry, a process can read only the ids it registered itself).
     */
    public static JobClient<Object, Object> client(ConfigLoader.Loaded loaded) {
        return client(loaded, JobClient.KEPT_RESULTS,
                JobClient.DEFAULT_MAX_IN_FLIGHT);
    }

    /**
     * As {@link #client(ConfigLoader.Loaded)}, keeping {@code keptResults} results for a later await,
     * with at most {@code maxInFlight} jobs on their way.
     */
    public static JobClient<Object, Object> client(ConfigLoader.Loaded loaded, int keptResults, int maxInFlight) {
        return client(loaded, keptResults, maxInFlight, Map.of());
    }

    /** As {@link #client(ConfigLoader.Loaded, int, int)}, with client settings {@code overrides} on top. */
    @SuppressWarnings("unchecked")
    public static JobClient<Object, Object> client(ConfigLoader.Loaded loaded, int keptResults, int maxInFlight,
                                                   Map<String, Object> overrides) {
        AvroSerdes serdes = AvroSerdes.forUrl(loaded.config().registryUrl());
        SluiceTopics topics = SluiceTopics.create(loaded.config().topicPrefix(), serdes);
        SchemaSetup.register(serdes.registry(), SchemaSetup.subjects(topics, loaded.pipeline()));
        Map<String, Object> kafka = adminConfig(loaded.config().streamsProperties());
        kafka.putAll(overrides);
        // its payloads typed as the pipeline's, seen as Object: what the commands and the gateway need
        return JobClient.create(kafka, topics, (PayloadType<Object>) loaded.pipeline().input(),
                (PayloadType<Object>) loaded.pipeline().output(), keptResults, maxInFlight,
                JobClient.DEFAULT_BLOCK_TIMEOUT);
    }

    /** Whether every segment this instance runs is paused (through the control topic). */
    public boolean isPaused() {
        return segments.stream().allMatch(s -> s.streams().isPaused());
    }

    /** Whether this instance's Kafka Streams instance of {@code segment} ({@code main} or a lane) is paused. */
    public boolean isPaused(String segment) {
        return segments.stream().filter(s -> s.name().equals(segment)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("this instance does not run " + segment))
                .streams().isPaused();
    }

    /** The topic {@code segment} reads: the jobs topic for {@code main}, else the lane's. */
    static String source(SluiceTopics topics, String segment) {
        return segment.equals(SluiceTopology.MAIN) ? topics.jobs().name() : topics.lane(segment).name();
    }

    public static Map<String, Object> adminConfig(Properties props) {
        Map<String, Object> admin = new HashMap<>();
        props.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k.toString()) && !k.equals(AdminClientConfig.CLIENT_ID_CONFIG)) {
                admin.put(k.toString(), v);
            }
        });
        return admin;
    }

    /**
     * Whether a stream thread died because the producer gave up its transaction as abortable
     * ({@link TransactionAbortableException}: under transactions v2, a send that timed out, as when the
     * whole cluster was away for longer than {@code max.block.ms}). Kafka Streams 4.3 hands that error
     * to the production exception handler, whose only safe answer is FAIL, and so kills the thread;
     * but nothing of the transaction was committed, so a new thread that starts its tasks from their
     * last commit loses and repeats nothing. Any other failure stops the instance, as before.
     */
    static boolean lostItsTransaction(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof TransactionAbortableException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
