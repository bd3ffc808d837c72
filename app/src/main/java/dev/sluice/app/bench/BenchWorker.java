package dev.sluice.app.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.sluice.app.internal.CommonPool;
import dev.sluice.app.internal.Logging;
import dev.sluice.app.runtime.SluiceRunner;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.InMemorySchemaRegistry;
import dev.sluice.serdes.internal.WireFormat;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.SluiceTopology;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stages.BuiltinStages;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * A JVM that runs the applications under test, one at a time, apart from the load clients. The
 * benchmark starts two with the same options: one for the hand-written floors and one for Sluice,
 * so that each application competes with the clients on equal terms and Sluice's memory is
 * measured alone. It takes commands, one line each on standard input:
 *
 * <pre>
 * start floor.bytes|floor.avro|floor.ingest GUARANTEE APPLICATION_ID IN OUT [latency]
 *                                        a hand-written application; with latency, its producer
 *                                        batches as Sluice's does (linger.ms 5, not Streams' 100)
 * start passthrough|ingest|ingest.bare GUARANTEE PREFIX [WINDOW_MS]
 *                                        a Sluice application over the topics of PREFIX; WINDOW_MS, if
 *                                        given, for its duplicate window, status and cancel retention
 * start async|async.sync GUARANTEE PREFIX  one stage calling the service of the async cases
 * service URL                          where that service listens
 * limit.ingest JOBS DOCUMENT_BYTES     the ingest stages in a plain loop on one thread
 * cpu
 * retries
 * sample
 * stop
 * </pre>
 *
 * <p>It answers {@code sluice-worker running} once the application is RUNNING,
 * {@code sluice-worker limit JOBS WALL_NANOS CPU_NANOS RESULT_BYTES} with what the loop took,
 * {@code sluice-worker cpu NANOS} with the CPU time this JVM has used so far,
 * {@code sluice-worker retries N} with the sends the running application's producers have made again,
 * {@code sluice-worker sample ...} with its resources now (see {@link Resources}), and
 * {@code sluice-worker stopped} once the application is closed. When its input closes it answers
 * {@code sluice-worker memory RSS_MB HEAP_MB}, its peaks over the whole run, and exits. Anything
 * else it prints (logs go to standard error) is not an answer.
 */
public final class BenchWorker {

    static final String ANSWER = "sluice-worker ";
    /** The registry both JVMs use: the same schema has the same id in each. */
    static final String REGISTRY = "mem://bench";
    /** The topics whose subjects name the schemas of jobs and results in both JVMs. */
    static final String JOBS_TOPIC = "bench.jobs";
    static final String RESULTS_TOPIC = "bench.results";
    /** floor.ingest's commit interval under both guarantees: exactly_once_v2's default. */
    static final int FLOOR_COMMIT_INTERVAL_MS = 100;
    /** The last word of a floor's start command that gives it Sluice's producer settings, for latency. */
    static final String LATENCY_TUNED = "latency";
    /** The ingest pipeline with {@code events.enabled=false}: no events, no status store. */
    static final String INGEST_BARE = "ingest.bare";
    /** The asynchronous stage calling the bench's service, and the same call made synchronously. */
    static final String ASYNC = "async";
    static final String ASYNC_SYNC = "async.sync";
    /** Where the service of the async cases listens, once the parent has said ({@code service URL}). */
    private static volatile String serviceUrl = "http://127.0.0.1:9/call";
    /** The pipelines the benchmark measures, by the name the parent sends. */
    static final Map<String, Supplier<Pipeline>> PIPELINES = Map.of(
            "passthrough", Pipeline::passThrough, "ingest", BuiltinStages::ingest, INGEST_BARE, BuiltinStages::ingest,
            ASYNC, () -> BenchCalls.async(serviceUrl), ASYNC_SYNC, () -> BenchCalls.sync(serviceUrl));


    private BenchWorker() {
    }

    /** Arguments: the bootstrap servers, the partitions of every topic, and a directory for state. */
    public static void main(String[] args) throws Exception {
        CommonPool.atLeastTwoThreads(); // as sluice's own main does
        String bootstrap = args[0];
        int partitions = Integer.parseInt(args[1]);
        Path stateRoot = Path.of(args[2]);
        PrintStream out = System.out;
        // the state lives in a temporary directory on purpose: the benchmark deletes it at the end
        Logging.quiet("org.apache.kafka.streams.processor.internals.StateDirectory");
        MemoryWatch memory = new MemoryWatch();
        memory.start();
        registerSchemas();
        AvroSerdes serdes = AvroSerdes.forUrl(REGISTRY);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        App app = null;
        String line;
        while ((line = in.readLine()) != null) {
            List<String> words = List.of(line.trim().split(" "));
            switch (words.get(0)) {
                case "start" -> {
                    app = application(words.subList(1, words.size()), bootstrap, partitions, stateRoot, serdes);
                    out.println(ANSWER + (awaitRunning(app) ? "running" : "failed: not RUNNING after 60 s but "
                            + app.state()));
                }
                case "service" -> {
                    serviceUrl = words.get(1);
                    out.println(ANSWER + "service " + serviceUrl);
                }
                case "sample" -> out.println(ANSWER + "sample " + Resources.now(stateRoot,
                        app == null ? List.of() : app.streams()).line());
                case "limit.ingest" -> out.println(ANSWER + "limit " + limitIngest(Integer.parseInt(words.get(1)),
                        Integer.parseInt(words.get(2)), serdes));
                case "cpu" -> out.println(ANSWER + "cpu " + ((OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime());
                case "retries" -> out.println(ANSWER + "retries " + (app == null ? 0 : producerRetries(app.streams())));
                case "stop" -> {
                    if (app != null) {
                        app.close();
                        app = null;
                    }
                    out.println(ANSWER + "stopped");
                }
                default -> out.println(ANSWER + "failed: unknown command " + line);
            }
            out.flush();
        }
        if (app != null) {
            app.close();
        }
        memory.stop();
        out.printf(Locale.ROOT, ANSWER + "memory %.1f %.1f%n", memory.peakRssMb(), memory.peakHeapMb());
        out.flush();
    }

    /** An application under test, started: its state, and how to close it. */
    private record App(Supplier<KafkaStreams.State> states, Runnable closing, List<KafkaStreams> streams)
            implements AutoCloseable {
        KafkaStreams.State state() {
            return states.get();
        }

        @Override
        public void close() {
            closing.run();
        }
    }

    /**
     * The application a start command names, started: a Sluice pipeline as {@code sluice run} runs it
     * (each of its parts in a Kafka Streams instance of its own), or a floor.
     */
    private static App application(List<String> args, String bootstrap, int partitions, Path stateRoot,
                                   AvroSerdes serdes) throws InterruptedException {
        String kind = args.get(0);
        String guarantee = args.get(1);
        String id = args.get(2);
        if (PIPELINES.containsKey(kind)) {
            Map<String, Object> more = new HashMap<>(args.size() > 3 ? windowed(Long.parseLong(args.get(3))) : Map.of());
            if (kind.equals(INGEST_BARE)) {
                more.put(SluiceConfig.EVENTS_ENABLED_CONFIG, "false");
            }
            SluiceRunner runner = SluiceRunner.start(config(bootstrap, partitions, id, guarantee, more),
                    PIPELINES.get(kind).get(), Map.of(StreamsConfig.STATE_DIR_CONFIG, stateRoot.resolve(id).toString()));
            List<KafkaStreams> all = new ArrayList<>();
            all.add(runner.streams(SluiceTopology.MAIN));
            PIPELINES.get(kind).get().lanes().forEach(lane -> all.add(runner.streams(lane)));
            return new App(runner::state, runner::close, all);
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, id);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateRoot.resolve(id).toString());
        Topology topology = switch (kind) {
            case "floor.bytes" -> floorBytes(args.get(3), args.get(4));
            case "floor.avro" -> floorAvro(args.get(3), args.get(4), serdes);
            case "floor.ingest" -> new IngestBaseline(serdes).floor(args.get(3), args.get(4), serdes);
            default -> throw new IllegalArgumentException("no application " + kind);
        };
        if (args.size() > 5 && args.get(5).equals(LATENCY_TUNED)) {
            // what an expert would set for latency, and what Sluice sets by default: the two compare engines
            props.putAll(SluiceConfig.clientDefaults());
        }
        if (kind.equals("floor.ingest")) {
            // its aggregate's cache sends the results on at each commit: at_least_once's 30 s would hold them
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, FLOOR_COMMIT_INTERVAL_MS);
        }
        KafkaStreams streams = new KafkaStreams(topology, props);
        streams.start();
        return new App(streams::state, () -> streams.close(Duration.ofSeconds(30)), List.of(streams));
    }

    /**
     * The ingest pipeline's stages in a plain loop on this thread over {@code jobs} encoded jobs of
     * {@code documentBytes}, decoded and encoded as results: run once to warm up, then measured.
     * Answers {@code JOBS WALL_NANOS CPU_NANOS RESULT_BYTES}.
     */
    private static String limitIngest(int jobs, int documentBytes, AvroSerdes serdes) throws IOException {
        Workload workload = Workload.of(documentBytes, serdes);
        Serde<Job> jobSerde = serdes.valueSerde(Job.class);
        Serde<JobResult> resultSerde = serdes.valueSerde(JobResult.class);
        List<byte[]> input = new ArrayList<>(jobs);
        for (int i = 0; i < jobs; i++) {
            input.add(jobSerde.serializer().serialize(JOBS_TOPIC, workload.job("limit-" + i)));
        }
        IngestBaseline baseline = new IngestBaseline(serdes);
        baseline.loop(input, jobSerde, resultSerde, RESULTS_TOPIC);
        IngestBaseline.Measured measured = baseline.loop(input, jobSerde, resultSerde, RESULTS_TOPIC);
        return measured.jobs() + " " + measured.wallNanos() + " " + measured.cpuNanos() + " " + measured.resultBytes();
    }

    /** The engine's floor: bytes in, the same bytes out, nothing deserialized. */
    private static Topology floorBytes(String in, String out) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("floor.source"))
                .to(out, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("floor.sink"));
        return builder.build();
    }

    /** The engine's floor with Sluice's serdes: a Job in, a JobResult out, carrying the job's payload as it came. */
    private static Topology floorAvro(String in, String out, AvroSerdes serdes) {
        Serde<Job> jobs = serdes.valueSerde(Job.class);
        Serde<JobResult> results = serdes.valueSerde(JobResult.class);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.String(), jobs).withName("floor.source"))
                .mapValues(job -> JobResult.newBuilder().setJobId(job.getJobId()).setStatus(JobStatus.COMPLETED)
                        .setCompletedAt(Instant.now()).setAttributes(job.getAttributes()).setPayload(job.getPayload())
                        .build(),
                        Named.as("floor.result"))
                .to(out, Produced.with(Serdes.String(), results).withName("floor.sink"));
        return builder.build();
    }

    /**
     * Registers the schemas of the records that cross between the two JVMs, jobs one way and results
     * the other, so that each can resolve the ids the other writes.
     */
    static void registerSchemas() {
        InMemorySchemaRegistry registry = InMemorySchemaRegistry.scope(REGISTRY.substring("mem://".length()));
        registry.register(JOBS_TOPIC + "-value", Job.getClassSchema());
        registry.register(RESULTS_TOPIC + "-value", JobResult.getClassSchema());
        registry.register(WireFormat.payloadSubject(JOBS_TOPIC), Document.getClassSchema());
        registry.register(WireFormat.payloadSubject(RESULTS_TOPIC), IngestedDocument.getClassSchema());
    }

    /**
     * Settings that keep a job's traces for {@code windowMs} instead of a day or a week: the duplicate
     * window, the status retention and the cancel retention, so that a soak of half an hour sees its
     * stores reach the size they keep.
     */
    private static Map<String, Object> windowed(long windowMs) {
        String ms = Long.toString(windowMs);
        return Map.of(SluiceConfig.DUPLICATE_WINDOW_CONFIG, ms, SluiceConfig.STATUS_RETENTION_CONFIG, ms,
                SluiceConfig.CANCEL_RETENTION_CONFIG, ms);
    }

    /** The configuration of a Sluice application of the benchmark. */
    static SluiceConfig config(String bootstrap, int partitions, String prefix, String guarantee) {
        return config(bootstrap, partitions, prefix, guarantee, Map.of());
    }

    /** As {@link #config(String, int, String, String)}, with {@code more} settings. */
    static SluiceConfig config(String bootstrap, int partitions, String prefix, String guarantee,
                               Map<String, Object> more) {
        Map<String, Object> flat = new HashMap<>(more);
        flat.put(SluiceConfig.TOPICS_PREFIX_CONFIG, prefix);
        flat.put(SluiceConfig.REGISTRY_URL_CONFIG, REGISTRY);
        flat.put(SluiceConfig.TOPICS_PARTITIONS_CONFIG, Integer.toString(partitions));
        flat.put("kafka." + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        flat.put("kafka." + StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        flat.put("kafka." + StreamsConfig.APPLICATION_ID_CONFIG, prefix);
        // the benchmark made them, with the partitions it measures
        flat.put(SluiceConfig.TOPICS_CREATE_CONFIG, "false");
        return new SluiceConfig(flat);
    }

    private static boolean awaitRunning(App app) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (app.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return app.state() == KafkaStreams.State.RUNNING;
    }

    /**
     * The sends the producers of {@code streams} have made again so far (Kafka's {@code record-retry-total}),
     * whatever the cause: under exactly_once_v2 mostly the OUT_OF_ORDER_SEQUENCE_NUMBER resends that follow
     * a CONCURRENT_TRANSACTIONS answer (docs/performance.md).
     */
    static long producerRetries(List<KafkaStreams> streams) {
        long retries = 0;
        for (KafkaStreams each : streams) {
            for (var metric : each.metrics().entrySet()) {
                if (metric.getKey().name().equals("record-retry-total")
                        && metric.getKey().group().equals("producer-metrics")
                        && metric.getValue().metricValue() instanceof Number n) {
                    retries += n.longValue();
                }
            }
        }
        return retries;
    }

    /** The parent's handle on a worker process. */
    static final class Handle implements AutoCloseable {

        private final Process process;
        private final BufferedReader answers;
        private final PrintStream commands;
        private final List<String> javaOptions;
        private BenchReport.Memory memory;

        private Handle(Process process, List<String> javaOptions) {
            this.process = process;
            this.javaOptions = List.copyOf(javaOptions);
            this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        }

        static Handle start(List<String> javaOptions, String bootstrap, int partitions, Path stateRoot)
                throws IOException {
            return new Handle(ChildJvm.start(javaOptions, BenchWorker.class, ProcessBuilder.Redirect.INHERIT,
                    bootstrap, Integer.toString(partitions), stateRoot.toString()), javaOptions);
        }

        /** Starts an application (see the class's commands) and returns once it is RUNNING. */
        void startApplication(String kind, String guarantee, String... args) throws Exception {
            expect("start " + kind + " " + guarantee + " " + String.join(" ", args), "running");
        }

        /** Runs the ingest stages in a plain loop in the worker (see {@link IngestBaseline#loop}). */
        IngestBaseline.Measured limitIngest(int jobs, int documentBytes) throws Exception {
            String[] words = ask("limit.ingest " + jobs + " " + documentBytes, "limit ").split(" ");
            return new IngestBaseline.Measured(Integer.parseInt(words[1]), Long.parseLong(words[2]),
                    Long.parseLong(words[3]), Long.parseLong(words[4]));
        }

        /** Tells the worker where the service of the async cases listens. */
        void service(String url) throws Exception {
            ask("service " + url, "service ");
        }

        /** The CPU time the worker's JVM has used so far, in nanoseconds. */
        long cpuNanos() throws Exception {
            return Long.parseLong(ask("cpu", "cpu ").substring("cpu ".length()).trim());
        }

        /** The worker's resources now (it collects its garbage first). */
        Resources sample() throws Exception {
            return Resources.parse(ask("sample", "sample ").substring("sample ".length()));
        }

        /** The sends the running application's producers have made again so far. */
        long retries() throws Exception {
            return Long.parseLong(ask("retries", "retries ").substring("retries ".length()).trim());
        }

        void stopApplication() throws Exception {
            expect("stop", "stopped");
        }

        /** The worker's peak memory, known once it is closed (-1 if it did not say). */
        BenchReport.Memory memory() {
            return memory != null ? memory : new BenchReport.Memory(-1, -1, String.join(" ", javaOptions));
        }

        private void expect(String command, String answer) throws Exception {
            if (!ask(command, answer).equals(answer)) {
                throw new IllegalStateException("the benchmark's worker JVM answered more than '" + answer + "' to '"
                        + command + "'");
            }
        }

        /** Sends {@code command} and returns the answer, which must start with {@code expected}. */
        private String ask(String command, String expected) throws Exception {
            commands.println(command);
            String got = answer();
            if (!got.startsWith(expected)) {
                throw new IllegalStateException("the benchmark's worker JVM answered '" + got + "' to '" + command + "'");
            }
            return got;
        }

        private String answer() throws IOException, InterruptedException {
            String line;
            while ((line = answers.readLine()) != null) {
                if (line.startsWith(ANSWER)) {
                    return line.substring(ANSWER.length());
                }
            }
            boolean exited = process.waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("the benchmark's worker JVM closed its output"
                    + (exited ? " and exited with " + process.exitValue() : ""));
        }

        @Override
        public void close() throws Exception {
            commands.close();
            try {
                String[] last = answer().split(" ");
                if (last[0].equals("memory")) {
                    memory = new BenchReport.Memory(Double.parseDouble(last[1]), Double.parseDouble(last[2]),
                            String.join(" ", javaOptions));
                }
            } finally {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }
}
