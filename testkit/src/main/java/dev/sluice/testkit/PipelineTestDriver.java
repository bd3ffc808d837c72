package dev.sluice.testkit;

import dev.sluice.schemas.Control;
import dev.sluice.schemas.ControlType;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.JobEvents;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.InMemorySchemaRegistry;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SchemaRegistry;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.serdes.internal.WireFormat;
import dev.sluice.topology.CallsInFlight;
import dev.sluice.topology.JobState;
import dev.sluice.topology.JobStatuses;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.SluiceTopology;
import dev.sluice.topology.pipeline.Pipeline;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Runs a Sluice pipeline in a {@link TopologyTestDriver}, with no broker and an in-memory schema
 * registry of its own: submit jobs, read their results and the dead letters. The topology is the
 * very one {@code sluice run} starts, so what passes here runs there.
 *
 * <pre>{@code
 * try (var driver = PipelineTestDriver.of(myPipeline, Product.class, Enriched.class)) {
 *     String id = driver.submit("job-1", product);
 *     Enriched enriched = driver.result(id).getOutput();
 * }
 * }</pre>
 *
 * <p>A job's payload goes in, and its result's output comes out, in the wire format of its own
 * schema, as they do on a broker: a payload the pipeline cannot read fails at intake here too.
 *
 * <p>Asynchronous stages run as they do in a pipeline, on their own threads; before it reads results,
 * events or dead letters the driver waits until every call has come back (at most a minute for each
 * round of calls) and moves its wall clock on ({@value #CALL_TICK_MILLIS} ms, or to the next retry
 * of a call that waits for one) so that the stages send on what came back: a test needs no sleeps.
 */
public final class PipelineTestDriver<I, O> implements AutoCloseable {

    private final TopologyTestDriver driver;
    private final SluiceTopics topics;
    private final TestInputTopic<String, Job> jobs;
    private final TestInputTopic<byte[], byte[]> rawJobs;
    private final TestInputTopic<String, Control> control;
    private final TestOutputTopic<String, JobResult> results;
    private final TestOutputTopic<byte[], byte[]> deadLetters;
    private final TestOutputTopic<String, JobEvents> events;
    private final PayloadType<I> inputType;
    private final PayloadType<O> outputType;
    private final Serializer<I> inputs;
    private final Deserializer<I> inputDecoder;
    private final Deserializer<O> outputs;
    private final List<JobEvent> allEvents = new ArrayList<>();
    private final Map<String, Result<O>> resultsById = new LinkedHashMap<>();
    private final List<Result<O>> allResults = new ArrayList<>();
    private final List<DeadLetter> allDeadLetters = new ArrayList<>();
    private final Topology topology;
    private final Map<String, TestOutputTopic<String, Job>> laneTopics = new HashMap<>();
    private final Map<String, List<String>> laneKeys = new HashMap<>();
    private final String registryScope;
    private final SchemaRegistry registry;
    private final Path stateDir;
    private final CallsInFlight calls = new CallsInFlight();

    /** How far the wall clock moves for asynchronous stages to send on what came back. */
    public static final long CALL_TICK_MILLIS = 5;
    /** The longest one round of calls may run before {@link #result} and the others give up. */
    private static final Duration CALL_WAIT = Duration.ofMinutes(1);

    @SuppressWarnings("unchecked")
    private PipelineTestDriver(Builder builder) {
        String scope = "testkit-" + UUID.randomUUID();
        this.registryScope = scope;
        this.registry = builder.registry != null ? builder.registry : InMemorySchemaRegistry.scope(scope);
        this.topics = SluiceTopics.create(builder.prefix, AvroSerdes.forRegistry(registry));
        this.stateDir = Path.of(System.getProperty("java.io.tmpdir"), "sluice-" + scope);
        SluiceConfig config = builder.config(stateDir);
        Properties props = config.streamsProperties();
        SluiceTopology.Options options = SluiceTopology.Options.DEFAULT.withCalls(calls);
        if (builder.meters != null) {
            options = options.withMeters(builder.meters);
        }
        this.topology = SluiceTopology.build(builder.pipeline, topics, config, props, options);
        this.driver = new TopologyTestDriver(topology, props, builder.startTime);
        this.jobs = driver.createInputTopic(topics.jobs().name(), topics.jobs().keySerde().serializer(),
                topics.jobs().valueSerde().serializer());
        this.control = driver.createInputTopic(topics.control().name(), topics.control().keySerde().serializer(),
                topics.control().valueSerde().serializer());
        this.rawJobs = driver.createInputTopic(topics.jobs().name(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer());
        this.results = driver.createOutputTopic(topics.results().name(), topics.results().keySerde().deserializer(),
                topics.results().valueSerde().deserializer());
        this.deadLetters = driver.createOutputTopic(topics.deadLetters().name(), Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer());
        this.events = driver.createOutputTopic(topics.events().name(), topics.events().keySerde().deserializer(),
                topics.events().valueSerde().deserializer());
        this.outputType = (PayloadType<O>) builder.pipeline.output();
        this.inputType = (PayloadType<I>) builder.pipeline.input();
        this.inputs = topics.payloadSerde(inputType).serializer();
        this.inputDecoder = topics.payloadSerde(inputType).deserializer();
        this.outputs = topics.payloadSerde(outputType).deserializer();
        // as sluice run does at start-up: the payload subjects hold the pipeline's types before any record
        if (!inputType.isAny()) {
            registry.register(WireFormat.payloadSubject(topics.jobs().name()), inputType.schema());
        }
        if (!outputType.isAny()) {
            registry.register(WireFormat.payloadSubject(topics.results().name()), outputType.schema());
        }
    }

    /** A driver for {@code pipeline} with default settings, its payloads of whatever type the pipeline says. */
    public static PipelineTestDriver<Object, Object> of(Pipeline pipeline) {
        return builder(pipeline).build();
    }

    /**
     * A driver for {@code pipeline} with default settings, whose jobs carry {@code input} and whose
     * results carry {@code output}.
     *
     * @throws IllegalArgumentException when the pipeline's input or output is not of these classes
     */
    public static <I, O> PipelineTestDriver<I, O> of(Pipeline pipeline, Class<I> input, Class<O> output) {
        return builder(pipeline).build(input, output);
    }

    /** A builder for a driver of {@code pipeline}. */
    public static Builder builder(Pipeline pipeline) {
        return new Builder(pipeline);
    }

    /** The topology under test, e.g. to assert on its description. */
    public Topology topology() {
        return topology;
    }

    /**
     * The registry the driver's serdes use (an in-memory one of its own unless the builder was given
     * one), e.g. to register an older or a foreign writer schema and submit a record written with it
     * ({@link #submitRaw(String, byte[])}).
     */
    public SchemaRegistry registry() {
        return registry;
    }

    /** The topics, with the serdes the driver uses. */
    public SluiceTopics topics() {
        return topics;
    }

    /** Submits a job (keyed by its id) and returns the id. */
    public String submit(Job job) {
        jobs.pipeInput(job.getJobId(), job);
        return job.getJobId();
    }

    /** Submits a job with the given id carrying {@code payload}, and returns the id. */
    public String submit(String jobId, I payload) {
        return submit(Jobs.withPayload(jobId, inputs.serialize(topics.jobs().name(), payload)));
    }

    /**
     * Submits a plain-text document as the payload of a job with a fresh id and returns the id; for
     * a pipeline whose input is a {@link Document}.
     */
    @SuppressWarnings("unchecked")
    public String submit(String documentId, String text) {
        Document document = Document.newBuilder().setId(documentId).setText(text).build();
        return submit(UUID.randomUUID().toString(), (I) document);
    }

    /**
     * What {@code job} carries, read as the pipeline's input: its payload, or for a job written before
     * payloads its document. For a look at a dead letter's job, say.
     */
    public I payloadOf(Job job) {
        if (job.getPayload() == null) {
            return inputType.javaType().cast(job.getDocument());
        }
        return inputDecoder.deserialize(topics.jobs().name(), Jobs.bytes(job.getPayload()));
    }

    /** Writes raw bytes to the source topic, as a misbehaving producer would. */
    public void submitRaw(byte[] key, byte[] value) {
        rawJobs.pipeInput(key, value);
    }

    /**
     * Sends a dead letter's original record back to the source topic, as {@code sluice dlq replay}
     * does: with a header naming it, so that its job runs again even if its id was accepted before.
     */
    public void replay(DeadLetter dead) {
        RecordHeaders headers =
                new RecordHeaders();
        headers.add(SluiceTopology.REPLAYED_FROM_HEADER, "test-driver".getBytes(StandardCharsets.UTF_8));
        rawJobs.pipeInput(new TestRecord<>(dead.key(), dead.value(), headers));
    }

    /**
     * Cancels a job as {@code sluice cancel} and {@code JobClient.cancel} do: a cancel command on the
     * control topic, issued now by the client's clock (as jobs are submitted by it), which applies to
     * a job with that id submitted before.
     */
    public void cancel(String jobId) {
        String id = UUID.randomUUID().toString();
        control.pipeInput(id, Control.newBuilder().setCommandId(id)
                .setType(ControlType.CANCEL).setJobId(jobId)
                .setIssuedAt(Instant.now()).build());
    }

    /** Writes raw bytes with a UTF-8 key to the source topic. */
    public void submitRaw(String key, byte[] value) {
        submitRaw(key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }

    /**
     * The result of a job.
     *
     * @throws NoSuchElementException when the job has no result (yet)
     */
    public Result<O> result(String jobId) {
        drain();
        Result<O> result = resultsById.get(jobId);
        if (result == null) {
            throw new NoSuchElementException("no result for job " + jobId + "; results so far: " + resultsById.keySet());
        }
        return result;
    }

    /** Every result written so far, in order, duplicates included. */
    public List<Result<O>> results() {
        drain();
        return List.copyOf(allResults);
    }

    /** Every event written so far to {@code <prefix>.events}, in order. */
    public List<JobEvent> events() {
        drain();
        return List.copyOf(allEvents);
    }

    /**
     * The events of one job written so far, in order: ACCEPTED, each stage started and finished (with the
     * OUTPUT events of a stage that streams its outputs), its end.
     */
    public List<JobEvent> events(String jobId) {
        return events().stream().filter(e -> e.getJobId().equals(jobId)).toList();
    }

    /**
     * A job's latest status in the status store ({@code sluice.status}), as {@code GET /v1/jobs/{id}}
     * gives it; empty when the store has none.
     */
    public Optional<JobState> status(String jobId) {
        KeyValueStore<String, byte[]> store =
                driver.getKeyValueStore(JobStatuses.STORE);
        byte[] entry = store == null ? null : store.get(jobId);
        return entry == null ? Optional.empty()
                : Optional.of(JobStatuses.state(entry));
    }

    /** Every dead letter written so far, in order. */
    public List<DeadLetter> deadLetters() {
        drain();
        return List.copyOf(allDeadLetters);
    }

    /**
     * The keys of the records a branch wrote to a lane's topic ({@code <prefix>.jobs.<lane>}) so far.
     * The driver runs the lane's stages too, so those jobs get their results as usual.
     */
    public List<String> laneRecords(String lane) {
        List<String> keys = laneKeys.computeIfAbsent(lane, l -> new ArrayList<>());
        TestOutputTopic<String, Job> topic = laneTopics.computeIfAbsent(lane, l -> driver.createOutputTopic(
                topics.lane(l).name(), topics.lane(l).keySerde().deserializer(), topics.lane(l).valueSerde().deserializer()));
        while (!topic.isEmpty()) {
            keys.add(topic.readRecord().key());
        }
        return List.copyOf(keys);
    }

    /** Moves the driver's wall clock, for stages that look at the time. */
    public void advanceWallClock(Duration duration) {
        driver.advanceWallClockTime(duration);
    }

    /**
     * Waits for the asynchronous stages' calls and lets the stages send on what came back, until they
     * hold nothing.
     */
    private void settleCalls() {
        for (int round = 0; calls.held() > 0; round++) {
            if (round == 100_000) {
                throw new IllegalStateException(calls.held() + " inputs of asynchronous stages are still held after "
                        + round + " rounds of waiting for their calls");
            }
            try {
                if (!calls.awaitNoneRunning(CALL_WAIT)) {
                    throw new IllegalStateException(calls.running() + " calls of asynchronous stages still run after "
                            + CALL_WAIT.toSeconds() + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the calls of asynchronous stages", e);
            }
            driver.advanceWallClockTime(Duration.ofMillis(Math.max(CALL_TICK_MILLIS, calls.millisToNextDue())));
        }
    }

    private void drain() {
        settleCalls();
        while (!results.isEmpty()) {
            TestRecord<String, JobResult> record = results.readRecord();
            Result<O> result = Result.of(record.value(), outputType, outputs, topics.results().name());
            allResults.add(result);
            resultsById.putIfAbsent(result.getJobId(), result);
        }
        while (!events.isEmpty()) {
            allEvents.addAll(events.readValue().getEvents());
        }
        while (!deadLetters.isEmpty()) {
            TestRecord<byte[], byte[]> record = deadLetters.readRecord();
            Map<String, String> headers = new HashMap<>();
            for (Header header : record.headers()) {
                headers.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
            }
            allDeadLetters.add(new DeadLetter(record.key(), record.value(), Map.copyOf(headers)));
        }
    }

    @Override
    public void close() {
        driver.close();
        InMemorySchemaRegistry.dropScope(registryScope);
        // the driver empties its state directory but leaves it behind
        try (Stream<Path> paths = Files.walk(stateDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // nothing there, or already gone
        }
    }

    /** Settings of a {@link PipelineTestDriver}. */
    public static final class Builder {
        private final Pipeline pipeline;
        private String prefix = SluiceTopics.DEFAULT_PREFIX;
        private Instant startTime = Instant.parse("2026-01-01T00:00:00Z");
        private final Map<String, Object> settings = new HashMap<>();
        private SchemaRegistry registry;
        private MeterRegistry meters;

        private Builder(Pipeline pipeline) {
            this.pipeline = pipeline;
        }

        public Builder topicPrefix(String prefix) {
            this.prefix = prefix;
            return this;
        }

        /** The largest document a job may carry ({@code limits.document.max.bytes}). */
        public Builder maxDocumentBytes(int maxDocumentBytes) {
            return setting(SluiceConfig.DOCUMENT_MAX_BYTES_CONFIG, maxDocumentBytes);
        }

        /** How long a job id is remembered to find duplicates ({@code limits.duplicate.window.ms}); zero for never. */
        public Builder duplicateWindow(Duration window) {
            return setting(SluiceConfig.DUPLICATE_WINDOW_CONFIG, window.toMillis());
        }

        /**
         * One of Sluice's settings, by its name in a pipeline's YAML (e.g. {@code status.retention.ms}),
         * checked as {@code sluice run} checks it when the driver is built.
         */
        public Builder setting(String key, Object value) {
            settings.put(key, value);
            return this;
        }

        public Builder startTime(Instant startTime) {
            this.startTime = startTime;
            return this;
        }

        /**
         * A Kafka Streams setting, as under {@code kafka:} in a pipeline's YAML, e.g.
         * {@code producer.max.request.size}, which decides which results are too large to send.
         */
        public Builder kafka(String key, Object value) {
            return setting(SluiceConfig.KAFKA_PREFIX + key, value);
        }

        /**
         * The registry the driver's serdes use instead of an in-memory one of its own, e.g. one that
         * stands for a registry that goes away.
         */
        public Builder registry(SchemaRegistry registry) {
            this.registry = registry;
            return this;
        }

        /**
         * Where the stages count their records and time their calls ({@code sluice.stage.records},
         * {@code sluice.stage.processing}, {@code sluice.gather.groups}), e.g. a
         * {@code SimpleMeterRegistry} to assert on; none by default.
         */
        public Builder meters(MeterRegistry meters) {
            this.meters = meters;
            return this;
        }

        /** The driver, its payloads of whatever type the pipeline says. */
        public PipelineTestDriver<Object, Object> build() {
            return new PipelineTestDriver<>(this);
        }

        /**
         * The driver, whose jobs carry {@code input} and whose results carry {@code output}.
         *
         * @throws IllegalArgumentException when the pipeline's input or output is not of these classes
         */
        public <I, O> PipelineTestDriver<I, O> build(Class<I> input, Class<O> output) {
            if (!input.isAssignableFrom(pipeline.input().javaType()) && !pipeline.input().isAny()) {
                throw new IllegalArgumentException("pipeline " + pipeline.name() + " takes " + pipeline.input()
                        + ", not " + input.getName());
            }
            if (!output.isAssignableFrom(pipeline.output().javaType()) && !pipeline.output().isAny()) {
                throw new IllegalArgumentException("pipeline " + pipeline.name() + " makes " + pipeline.output()
                        + ", not " + output.getName());
            }
            return new PipelineTestDriver<>(this);
        }

        /**
         * The settings {@code sluice run} would have for this pipeline: the builder's over Sluice's
         * defaults, with a bootstrap address the test driver never dials and a state directory of its own.
         */
        private SluiceConfig config(Path stateDir) {
            Map<String, Object> all = new HashMap<>(settings);
            all.put(SluiceConfig.TOPICS_PREFIX_CONFIG, prefix);
            all.put(SluiceConfig.PIPELINE_CONFIG, pipeline.name());
            if (pipeline.isPassThrough()) {
                all.put(SluiceConfig.MODE_CONFIG, SluiceConfig.MODE_PASSTHROUGH);
            }
            all.putIfAbsent(SluiceConfig.KAFKA_PREFIX + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "test-driver:9092");
            all.put(SluiceConfig.KAFKA_PREFIX + StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
            return new SluiceConfig(all);
        }
    }
}
