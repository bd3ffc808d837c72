package dev.sluice.app.bench;

import dev.sluice.app.internal.TempDirs;
import dev.sluice.app.runtime.TopicReadiness;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.SluiceTopics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The benchmark: the machine's limit (raw producer and consumer), the engine's floor (hand-written
 * Kafka Streams pass-throughs of bytes and of Avro), and Sluice (pass-through mode and the ingest
 * graph), under at_least_once and exactly_once_v2; then submit-to-result latency at a fixed rate,
 * and memory. Per guarantee, limit.produce fills one input topic (Sluice's jobs topic) that the
 * limit.consume, floor and pass-through cases each read from the start under an application id of
 * their own, writing fresh output topics of the same partition count; the ingest graph reads a
 * fortieth as many of the same jobs from an input of its own.
 *
 * <p>Throughput runs from the moment the application is RUNNING over topics filled beforehand to the
 * moment a read_committed consumer has counted every output; a case whose count is off is failed, not
 * timed. The broker runs in a process of its own unless {@code --bootstrap} names a cluster. The
 * floors run in one {@link BenchWorker} JVM and Sluice's applications in another, both apart from
 * this one's load clients; the memory reported is that of Sluice's.
 */
public final class Bench {

    static final List<String> GUARANTEES = List.of(StreamsConfig.AT_LEAST_ONCE, StreamsConfig.EXACTLY_ONCE_V2);
    /**
     * The latency cases, each hand-written floor just before the Sluice case it is the floor of, measured
     * through the same client at that case's rate: the table shows what Kafka Streams on this machine
     * gives before Sluice adds anything.
     */
    static final List<String> LATENCY_CASES = List.of("floor.avro", "sluice.passthrough", "floor.ingest",
            "sluice.ingest");
    /** The Sluice case whose rate each floor's latency case runs at. */
    private static final Map<String, String> LATENCY_FLOORS = Map.of("floor.avro", "sluice.passthrough",
            "floor.ingest", "sluice.ingest");
    /** Records each of the pass-through and the floors runs in the warm-up. */
    static final int WARM_UP_RECORDS = 5_000;
    /**
     * Jobs the ingest graph and its floor run in the warm-up: each is six chunks through six stages, but
     * 400 left the graph's first measured guarantee paying for its JIT (twice the CPU per job).
     */
    static final int WARM_UP_JOBS = 2_000;
    /** Jobs through the asynchronous stage before it is measured: its HTTP client's connections and the JIT. */
    static final int WARM_UP_CALLS = 20_000;
    /** The plain loop of the ingest stages, which runs once: no guarantee applies. */
    static final String LIMIT_INGEST = "limit.ingest";
    /** Sluice's ingest graph with its events (and so its status store) off. */
    static final String INGEST_BARE = "sluice.ingest.bare";
    /** An asynchronous stage calling a service on loopback, and the same call made on the stream thread. */
    static final String ASYNC = "sluice.async";
    static final String ASYNC_SYNC = "sluice.async.sync";
    /**
     * The most {@link #ASYNC} can do: {@link BenchCalls#CONCURRENCY} calls in flight per task, each
     * {@link BenchCalls#LATENCY_MS} ms, or the pass-through's rate in the same run if that is lower.
     */
    static final String ASYNC_BOUND = "bound.async";
    /** The guarantee column of a case that has none. */
    static final String NO_GUARANTEE = "-";
    /** The cases that read the input limit.produce writes. */
    private static final List<String> SHARED_INPUT = List.of("limit.consume", "floor.bytes", "floor.avro",
            "sluice.passthrough");

    private final BenchSettings settings;
    private final PrintWriter progress;
    private final String bootstrap;
    private final AvroSerdes serdes = AvroSerdes.forUrl(BenchWorker.REGISTRY);
    private final Workload workload;
    private final Path stateRoot;
    /** The topics this run has created and seen served. */
    private final Set<String> created = new HashSet<>();
    private Admin admin;
    /** The JVMs that run the floors and Sluice's applications, started by {@link #run()}. */
    private BenchWorker.Handle floors;
    private BenchWorker.Handle sluice;
    private int step;
    private long lastStep = System.nanoTime();
    /** The bytes of the shared input of the current guarantee. */
    private long inputBytes;
    private final int steps;
    private final String run = Long.toString(System.currentTimeMillis() % 1_000_000, 36);

    Bench(BenchSettings settings, String bootstrap, PrintWriter progress) throws IOException {
        this.settings = settings;
        this.bootstrap = bootstrap;
        this.progress = progress;
        this.workload = Workload.of(settings.documentBytes(), serdes);
        this.stateRoot = Files.createTempDirectory("sluice-bench-");
        this.steps = GUARANTEES.size() * (int) (BenchSettings.CASES.stream().filter(settings::runs)
                .filter(c -> !c.equals(LIMIT_INGEST)).count() + LATENCY_CASES.stream().filter(settings::runs).count())
                + (settings.runs(LIMIT_INGEST) ? 1 : 0);
    }

    BenchReport run() throws Exception {
        List<BenchReport.Case> cases = new ArrayList<>();
        List<BenchReport.Latency> latencies = new ArrayList<>();
        BenchWorker.registerSchemas();
        floors = BenchWorker.Handle.start(settings.appJavaOptions(), bootstrap, settings.partitions(), stateRoot);
        sluice = BenchWorker.Handle.start(settings.appJavaOptions(), bootstrap, settings.partitions(), stateRoot);
        admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
        boolean calling = settings.runs(ASYNC) || settings.runs(ASYNC_SYNC);
        BenchCalls service = calling ? BenchCalls.start() : null;
        try (BenchCalls closing = service) {
            if (calling) {
                sluice.service(service.url());
            }
            createTopics(plannedTopics());
            warmUp();
            if (settings.runs(LIMIT_INGEST)) {
                cases.add(limitIngest());
            }
            for (String guarantee : GUARANTEES) {
                // one input per guarantee, Sluice's jobs topic, read by every case but the ingest graph's
                String prefix = topic("sluice.passthrough", guarantee, "sluice");
                String input = SluiceTopics.create(prefix, serdes).jobs().name();
                int records = settings.records();
                if (settings.runs("limit.produce")) {
                    cases.add(limitProduce(guarantee, input));
                } else if (SHARED_INPUT.stream().anyMatch(settings::runs)) {
                    createTopics(List.of(input));
                    inputBytes = fill(input, "limit", records, guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2));
                }
                if (settings.runs("limit.consume")) {
                    cases.add(limitConsume(guarantee, input));
                }
                if (settings.runs("floor.bytes")) {
                    cases.add(floorCase("floor.bytes", guarantee, input));
                }
                if (settings.runs("floor.avro")) {
                    cases.add(floorCase("floor.avro", guarantee, input));
                }
                if (settings.runs("sluice.passthrough")) {
                    cases.add(report(sluiceCase("sluice.passthrough", guarantee, prefix, "passthrough", records,
                            inputBytes)));
                }
                int jobs = settings.ingestJobs();
                if (settings.runs("floor.ingest") || settings.runs("sluice.ingest")) {
                    // one input of jobs for both, each read from the start under an application id of its own
                    String ingestPrefix = topic("sluice.ingest", guarantee, "sluice");
                    SluiceTopics ingest = prepareSluice(ingestPrefix, "ingest");
                    long bytes = fill(ingest.jobs().name(), "ingest", jobs, false);
                    if (settings.runs("floor.ingest")) {
                        String out = topic("floor.ingest", guarantee, "out");
                        cases.add(report(timeApplication("floor.ingest", guarantee, out, jobs, bytes, inWorker(floors,
                                "floor.ingest", guarantee, topic("floor.ingest", guarantee, "app"), ingest.jobs().name(),
                                out))));
                    }
                    if (settings.runs("sluice.ingest")) {
                        cases.add(report(sluiceCase("sluice.ingest", guarantee, ingestPrefix, "ingest", jobs, bytes)));
                    }
                }
                if (settings.runs(INGEST_BARE)) {
                    // the same jobs, in topics of its own: its results must not meet the other case's
                    String barePrefix = topic(INGEST_BARE, guarantee, "sluice");
                    SluiceTopics bare = prepareSluice(barePrefix, "ingest");
                    long bytes = fill(bare.jobs().name(), "ingest", jobs, false);
                    cases.add(report(sluiceCase(INGEST_BARE, guarantee, barePrefix, BenchWorker.INGEST_BARE, jobs, bytes)));
                }
                if (settings.runs(ASYNC)) {
                    cases.add(report(callingCase(ASYNC, guarantee, BenchWorker.ASYNC, settings.asyncJobs())));
                    double bound = BenchCalls.bound(settings.partitions());
                    for (BenchReport.Case c : cases) {
                        if (c.name().equals("sluice.passthrough") && c.guarantee().equals(guarantee) && c.failure() == null) {
                            bound = Math.min(bound, c.recordsPerSecond());
                        }
                    }
                    cases.add(BenchReport.Case.derived(ASYNC_BOUND, guarantee, bound));
                }
                if (settings.runs(ASYNC_SYNC)) {
                    cases.add(report(callingCase(ASYNC_SYNC, guarantee, BenchWorker.ASYNC_SYNC, settings.syncJobs())));
                }
            }
            for (String name : LATENCY_CASES) {
                if (!settings.runs(name)) {
                    continue;
                }
                for (String guarantee : GUARANTEES) {
                    // the floor at the pass-through's rate: the two lines compare the engines, not the rates
                    String sluiceCase = LATENCY_FLOORS.get(name);
                    String rateOf = sluiceCase != null && settings.runs(sluiceCase) ? sluiceCase : name;
                    latencies.add(keptUpLatency(name, guarantee, sustainedRate(cases, rateOf, guarantee)));
                }
            }
        } finally {
            try (Admin a = admin; BenchWorker.Handle f = floors; BenchWorker.Handle s = sluice) {
                TempDirs.delete(stateRoot);
            }
        }
        return new BenchReport(BenchReport.Machine.current(settings, bootstrap), cases, latencies, sluice.memory());
    }

    /** The soak instead of the cases: Sluice's ingest graph alone, at {@code rate} jobs/s for {@code duration}. */
    Soak.Report soak(Duration duration, int rate) throws Exception {
        BenchWorker.registerSchemas();
        sluice = BenchWorker.Handle.start(settings.appJavaOptions(), bootstrap, settings.partitions(), stateRoot);
        admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
        try {
            String prefix = topic("soak", StreamsConfig.EXACTLY_ONCE_V2, "sluice");
            return new Soak(sluice, prepareSluice(prefix, "ingest"), workload, bootstrap, progress)
                    .run(prefix, duration, rate);
        } finally {
            try (Admin a = admin; BenchWorker.Handle s = sluice) {
                TempDirs.delete(stateRoot);
            }
        }
    }

    /**
     * Runs, uncounted, every application each worker JVM will run, so that no measured case pays for
     * its JIT (without it the first guarantee measured came out a third slower): in Sluice's JVM the
     * ingest graph on a few jobs, then the pass-through; in the floors' JVM, at the same time, the
     * Avro floor, then the byte floor. The pass-through and the floors read the same
     * {@value #WARM_UP_RECORDS} records, enough for the JIT's second tier on their per-record paths.
     * All run under exactly_once_v2, whose code is at_least_once's plus transactions.
     */
    private void warmUp() throws Exception {
        long t0 = System.nanoTime();
        String guarantee = StreamsConfig.EXACTLY_ONCE_V2;
        String ingestPrefix = topic("warm-up.ingest", guarantee, "sluice");
        SluiceTopics ingest = prepareSluice(ingestPrefix, "ingest");
        int jobs = Math.min(WARM_UP_JOBS, settings.ingestJobs());
        fill(ingest.jobs().name(), "warm-up", jobs, false);
        String passPrefix = topic("warm-up.passthrough", guarantee, "sluice");
        SluiceTopics pass = prepareSluice(passPrefix, "passthrough");
        int records = Math.min(WARM_UP_RECORDS, settings.records());
        long bytes = fill(pass.jobs().name(), "warm-up", records, false);
        CompletableFuture<List<BenchReport.Case>> floorRuns = CompletableFuture.supplyAsync(() -> {
            List<BenchReport.Case> runs = new ArrayList<>();
            for (String floor : List.of("floor.ingest", "floor.avro", "floor.bytes")) {
                String name = "warm-up." + floor;
                String out = topic(name, guarantee, "out");
                boolean ingesting = floor.equals("floor.ingest");
                try {
                    runs.add(timeApplication(name, guarantee, out, ingesting ? jobs : records, ingesting ? 0 : bytes,
                            inWorker(floors, floor, guarantee, topic(name, guarantee, "app"),
                                    (ingesting ? ingest : pass).jobs().name(), out)));
                } catch (Exception e) {
                    runs.add(BenchReport.Case.failed(name, guarantee, 0, e.toString()));
                }
            }
            return runs;
        });
        List<BenchReport.Case> runs = new ArrayList<>();
        runs.add(timeApplication("warm-up.ingest", guarantee, ingest.results().name(), jobs, 0,
                inWorker(sluice, "ingest", guarantee, ingestPrefix)));
        runs.add(timeApplication("warm-up.passthrough", guarantee, pass.results().name(), records, bytes,
                inWorker(sluice, "passthrough", guarantee, passPrefix)));
        if (settings.runs(ASYNC)) {
            String asyncPrefix = topic("warm-up.async", guarantee, "sluice");
            SluiceTopics async = prepareSluice(asyncPrefix, BenchWorker.ASYNC);
            int calls = Math.min(WARM_UP_CALLS, settings.asyncJobs());
            fill(async.jobs().name(), "warm-up", calls, false);
            runs.add(timeApplication("warm-up.async", guarantee, async.results().name(), calls, 0,
                    inWorker(sluice, BenchWorker.ASYNC, guarantee, asyncPrefix)));
        }
        runs.addAll(floorRuns.get());
        String failures = String.join("; ", runs.stream().filter(c -> c.failure() != null)
                .map(c -> c.name() + " FAILED: " + c.failure()).toList());
        progress.printf(Locale.ROOT, "[warm-up] the ingest graph on %,d jobs, the pass-through and both floors on %,d"
                + " records, not counted: %.1f s%s%n", jobs, records, (System.nanoTime() - t0) / 1e9,
                failures.isEmpty() ? "" : "; " + failures);
        progress.flush();
        lastStep = System.nanoTime();
    }

    // ---------------------------------------------------------------------------------- the limit

    private BenchReport.Case limitProduce(String guarantee, String topic) throws Exception {
        createTopics(List.of(topic));
        long t0 = System.nanoTime();
        long bytes = fill(topic, "limit", settings.records(), guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2));
        inputBytes = bytes;
        double seconds = (System.nanoTime() - t0) / 1e9;
        return report(BenchReport.Case.timed("limit.produce", guarantee, settings.records(), bytes, seconds));
    }

    private BenchReport.Case limitConsume(String guarantee, String topic) {
        Map<String, Object> config = consumerConfig(guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)
                ? "read_committed" : "read_uncommitted");
        long count = 0;
        long bytes = 0;
        long t0 = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout().toNanos();
            while (count < settings.records() && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                for (var record : records) {
                    count++;
                    bytes += record.value().length;
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (count != settings.records()) {
            return report(BenchReport.Case.failed("limit.consume", guarantee, count, "read " + count + " of "
                    + settings.records() + " records"));
        }
        return report(BenchReport.Case.timed("limit.consume", guarantee, count, bytes, seconds));
    }

    /**
     * The ingest stages in a plain loop on one thread of the floors' JVM, as many jobs as the ingest
     * cases run (and as many again before, to warm up): the cost of the work itself.
     */
    private BenchReport.Case limitIngest() throws Exception {
        IngestBaseline.Measured loop = floors.limitIngest(settings.ingestJobs(), settings.documentBytes());
        double seconds = loop.wallNanos() / 1e9;
        return report(BenchReport.Case.timed(LIMIT_INGEST, NO_GUARANTEE, loop.jobs(), loop.resultBytes(), seconds)
                .withCpu(loop.cpuNanos() / 1e3 / loop.jobs()));
    }

    // ---------------------------------------------------------------------------------- the floor

    private BenchReport.Case floorCase(String name, String guarantee, String in) throws Exception {
        String out = topic(name, guarantee, "out");
        createTopics(List.of(out));
        return report(timeApplication(name, guarantee, out, settings.records(), inputBytes,
                inWorker(floors, name, guarantee, topic(name, guarantee, "app"), in, out)));
    }

    // ---------------------------------------------------------------------------------- Sluice

    /** An application under test, in a worker's JVM. */
    private interface Application extends AutoCloseable {
        /** Returns once the application is RUNNING. */
        void start() throws Exception;

        /** The CPU time its JVM has used so far, in nanoseconds. */
        long cpuNanos() throws Exception;

        /** The sends its producers have made again so far. */
        long retries() throws Exception;
    }

    /** Creates a Sluice application's topics and returns them, for an application in the worker. */
    private SluiceTopics prepareSluice(String prefix, String pipeline) throws Exception {
        createTopics(sluiceTopicNames(prefix, pipeline));
        return SluiceTopics.create(prefix, serdes);
    }

    private List<String> sluiceTopicNames(String prefix, String pipeline) {
        return SluiceTopics.create(prefix, serdes).names(BenchWorker.PIPELINES.get(pipeline).get().lanes());
    }

    /**
     * Every topic the run will use but the engines' own, so that they are made in one request before
     * the run (37 topics in 2.6 s) instead of one request per case (half a second each).
     */
    private List<String> plannedTopics() {
        String eos = StreamsConfig.EXACTLY_ONCE_V2;
        List<String> names = new ArrayList<>(sluiceTopicNames(topic("warm-up.ingest", eos, "sluice"), "ingest"));
        names.addAll(sluiceTopicNames(topic("warm-up.passthrough", eos, "sluice"), "passthrough"));
        names.add(topic("warm-up.floor.avro", eos, "out"));
        names.add(topic("warm-up.floor.ingest", eos, "out"));
        names.add(topic("warm-up.floor.bytes", eos, "out"));
        for (String guarantee : GUARANTEES) {
            if (settings.runs("limit.produce") || SHARED_INPUT.stream().anyMatch(settings::runs)) {
                names.add(SluiceTopics.create(topic("sluice.passthrough", guarantee, "sluice"), serdes).jobs().name());
            }
            for (String floor : List.of("floor.bytes", "floor.avro", "floor.ingest")) {
                if (settings.runs(floor)) {
                    names.add(topic(floor, guarantee, "out"));
                }
            }
            if (settings.runs("floor.ingest")) {
                names.addAll(sluiceTopicNames(topic("sluice.ingest", guarantee, "sluice"), "ingest"));
            }
            if (settings.runs(INGEST_BARE)) {
                names.addAll(sluiceTopicNames(topic(INGEST_BARE, guarantee, "sluice"), "ingest"));
            }
            if (settings.runs("floor.avro")) {
                names.addAll(sluiceTopicNames(topic("floor.avro", guarantee, "latency"), "passthrough"));
            }
            if (settings.runs("floor.ingest")) {
                names.addAll(sluiceTopicNames(topic("floor.ingest", guarantee, "latency"), "ingest"));
            }
            if (settings.runs("sluice.passthrough")) {
                names.addAll(sluiceTopicNames(topic("sluice.passthrough", guarantee, "sluice"), "passthrough"));
                names.addAll(sluiceTopicNames(topic("sluice.passthrough", guarantee, "latency"), "passthrough"));
            }
            if (settings.runs("sluice.ingest")) {
                names.addAll(sluiceTopicNames(topic("sluice.ingest", guarantee, "sluice"), "ingest"));
                names.addAll(sluiceTopicNames(topic("sluice.ingest", guarantee, "latency"), "ingest"));
            }
            if (settings.runs(ASYNC)) {
                names.addAll(sluiceTopicNames(topic(ASYNC, guarantee, "sluice"), BenchWorker.ASYNC));
            }
            if (settings.runs(ASYNC_SYNC)) {
                names.addAll(sluiceTopicNames(topic(ASYNC_SYNC, guarantee, "sluice"), BenchWorker.ASYNC_SYNC));
            }
        }
        return names.stream().distinct().toList();
    }

    private static Application inWorker(BenchWorker.Handle worker, String kind, String guarantee, String... args) {
        return new Application() {
            @Override
            public void start() throws Exception {
                worker.startApplication(kind, guarantee, args);
            }

            @Override
            public long cpuNanos() throws Exception {
                return worker.cpuNanos();
            }

            @Override
            public long retries() throws Exception {
                return worker.retries();
            }

            @Override
            public void close() throws Exception {
                worker.stopApplication();
            }
        };
    }

    /** A case of one stage calling the bench's service, over {@code jobs} jobs of its own. */
    private BenchReport.Case callingCase(String name, String guarantee, String pipeline, int jobs) throws Exception {
        String prefix = topic(name, guarantee, "sluice");
        SluiceTopics topics = prepareSluice(prefix, pipeline);
        long bytes = fill(topics.jobs().name(), name, jobs, false);
        return sluiceCase(name, guarantee, prefix, pipeline, jobs, bytes);
    }

    /** A Sluice case over its jobs topic, filled beforehand with {@code records} jobs of {@code bytes}. */
    private BenchReport.Case sluiceCase(String name, String guarantee, String prefix, String pipeline, int records,
                                        long bytes) throws Exception {
        SluiceTopics topics = prepareSluice(prefix, pipeline);
        return timeApplication(name, guarantee, topics.results().name(), records, bytes,
                inWorker(sluice, pipeline, guarantee, prefix));
    }

    /** Starts the application over a filled input and times it until every output is committed. */
    private BenchReport.Case timeApplication(String name, String guarantee, String outputTopic, int records,
                                             long inputBytes, Application application) throws Exception {
        try (OutputCounter counter = new OutputCounter(consumerConfig("read_committed"), outputTopic);
             application) {
            counter.start();
            application.start();
            long t0 = System.nanoTime();
            long cpu0 = application.cpuNanos();
            long reached = counter.awaitCount(records, timeout());
            long cpu = application.cpuNanos() - cpu0;
            long extra = counter.settle(Duration.ofMillis(250)); // more than a commit interval under exactly_once_v2
            if (reached < 0 || extra != records) {
                return BenchReport.Case.failed(name, guarantee, extra, "counted " + extra + " committed outputs for "
                        + records + " inputs");
            }
            return BenchReport.Case.timed(name, guarantee, records, inputBytes, (reached - t0) / 1e9)
                    .withCpu(cpu / 1e3 / records).withRetries(application.retries());
        }
    }

    // ---------------------------------------------------------------------------------- latency

    /**
     * The rate of a latency run: half what the case did in this run's throughput case, so that it
     * measures latency and not a growing backlog, and at most {@code --latency-rate} (1,000 jobs/s);
     * that rate itself where the throughput case did not run.
     */
    int sustainedRate(List<BenchReport.Case> cases, String name, String guarantee) {
        int most = settings.latencyRate();
        return cases.stream().filter(c -> c.name().equals(name) && c.guarantee().equals(guarantee)
                        && c.failure() == null).findFirst()
                .map(c -> (int) Math.max(1, Math.min(most, Math.floor(c.recordsPerSecond() / 2 / 10) * 10)))
                .orElse(most);
    }

    /**
     * The latency of {@code name} at {@code rate}, or, when it fell behind there (its results came ever
     * later: a backlog, not latency), at half that rate, and so on twice at most, saying the rate it
     * fell behind at.
     */
    private BenchReport.Latency keptUpLatency(String name, String guarantee, int rate) throws Exception {
        int behindAt = 0;
        for (int attempt = 1; ; attempt++) {
            Attempt run = latency(name, guarantee, rate, attempt);
            if (run.keptUp() || run.latency().failure() != null || attempt == 3 || rate < 20) {
                step++;
                BenchReport.Latency l = run.latency();
                return new BenchReport.Latency(l.name(), l.guarantee(), l.rate(), l.jobs(), l.p50Ms(), l.p90Ms(),
                        l.p99Ms(), l.maxMs(), l.failure(), behindAt);
            }
            behindAt = rate;
            rate = Math.max(10, rate / 2 / 10 * 10);
        }
    }

    /** One latency run, and whether its case kept up with the rate. */
    private record Attempt(BenchReport.Latency latency, boolean keptUp) {
    }

    /**
     * Whether a run kept up: the median latency of its last third of jobs is at most twice that of its
     * first third, plus 20 ms. A case that cannot keep up with the rate builds a backlog, and each job
     * then waits for all before it: its latency grows with the run.
     */
    static boolean keptUp(long[] micros) {
        int third = micros.length / 3;
        if (third == 0) {
            return true;
        }
        long first = median(Arrays.copyOfRange(micros, 0, third));
        long last = median(Arrays.copyOfRange(micros, micros.length - third, micros.length));
        return last <= 2 * first + 20_000;
    }

    private static long median(long[] values) {
        Arrays.sort(values);
        return values[values.length / 2];
    }

    private Attempt latency(String name, String guarantee, int rate, int attempt) throws Exception {
        String prefix = topic(name, guarantee, attempt == 1 ? "latency" : "latency" + attempt);
        String pipeline = name.endsWith(".ingest") ? "ingest" : "passthrough";
        SluiceTopics topics = prepareSluice(prefix, pipeline);
        Histogram histogram = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
        int warmUp = rate * settings.latencyWarmUpSeconds();
        int total = rate * settings.latencySeconds();
        // results are counted as they come and not kept: 35,000 ingest results would fill the heap
        AtomicInteger completed = new AtomicInteger();
        // each counted job's latency, by its place in the run: whether the case kept up
        long[] micros = new long[total];
        AtomicReference<Throwable> error = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(warmUp + total);
        String failure = null;
        // the floor reads Sluice's jobs topic and writes its results topic, so the same client measures both
        Application measured = name.startsWith("floor.")
                ? inWorker(floors, name, guarantee, prefix + "-app", topics.jobs().name(), topics.results().name(),
                        BenchWorker.LATENCY_TUNED)
                : inWorker(sluice, pipeline, guarantee, prefix);
        try (Application application = measured) {
            application.start();
            // the futures are all it needs: no result is kept, or 4,096 ingest results would be its heap
            try (JobClient<Object, Object> client = JobClient.create(Map.of("bootstrap.servers", bootstrap, "linger.ms", 0), topics, 0)) {
                long start = System.nanoTime();
                long interval = 1_000_000_000L / rate;
                for (int i = 0; i < warmUp + total; i++) {
                    long intended = start + i * interval;
                    long wait = intended - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    Job job = workload.job(prefix + "-" + i);
                    // latency counts from when the job was due, not when it went: no coordinated omission
                    int place = i - warmUp;
                    client.submit(job).whenComplete((result, e) -> {
                        if (e != null) {
                            error.compareAndSet(null, e);
                        } else if (place >= 0) {
                            long waited = Math.max(0, (System.nanoTime() - intended) / 1_000);
                            synchronized (histogram) {
                                histogram.recordValue(waited);
                                micros[place] = waited;
                            }
                            if (result.getStatus() == JobStatus.COMPLETED) {
                                completed.incrementAndGet();
                            }
                        }
                        done.countDown();
                    });
                }
                failure = awaitAll(done, Duration.ofSeconds(60));
            }
        }
        if (failure == null && error.get() != null) {
            failure = "a job failed to go: " + error.get();
        }
        if (failure == null && completed.get() != total) {
            failure = completed.get() + " of " + total + " jobs completed";
        }
        BenchReport.Latency latency;
        boolean keptUp;
        synchronized (histogram) {
            latency = new BenchReport.Latency(name, guarantee, rate, total, ms(histogram.getValueAtPercentile(50)),
                    ms(histogram.getValueAtPercentile(90)), ms(histogram.getValueAtPercentile(99)),
                    ms(histogram.getMaxValue()), failure);
            keptUp = keptUp(micros);
        }
        long now = System.nanoTime();
        progress.printf(Locale.ROOT, "[%2d/%d] latency %-18s %-16s at %,d/s: p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms"
                + "   (step %.0f s)%s%n", step + 1, steps, name, guarantee, rate, latency.p50Ms(), latency.p99Ms(),
                latency.maxMs(), (now - lastStep) / 1e9,
                failure != null ? "  FAILED: " + failure : keptUp ? "" : "  fell behind: again at half the rate");
        lastStep = now;
        progress.flush();
        return new Attempt(latency, keptUp);
    }

    /** Null once every job has its result; a failure if {@code stall} passes without one more. */
    private static String awaitAll(CountDownLatch done, Duration stall) throws InterruptedException {
        long left = done.getCount();
        long lastProgress = System.nanoTime();
        while (!done.await(1, TimeUnit.SECONDS)) {
            if (done.getCount() < left) {
                left = done.getCount();
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > stall.toNanos()) {
                return "no result for " + left + " jobs within " + stall.toSeconds() + " s of the last one";
            }
        }
        return null;
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    // ---------------------------------------------------------------------------------- plumbing

    private BenchReport.Case report(BenchReport.Case c) {
        step++;
        long now = System.nanoTime();
        double took = (now - lastStep) / 1e9;
        lastStep = now;
        if (c.failure() == null) {
            progress.printf(Locale.ROOT, "[%2d/%d] %-18s %-16s %,12.0f records/s %8.1f MB/s%s%s   (step %.0f s)%n", step,
                    steps, c.name(), c.guarantee(), c.recordsPerSecond(), c.mbPerSecond(), c.cpuUsPerRecord() < 0 ? ""
                            : String.format(Locale.ROOT, " %,8.1f CPU us/record", c.cpuUsPerRecord()),
                    c.producerRetries() <= 0 ? "" : String.format(Locale.ROOT, " %,d retries", c.producerRetries()), took);
        } else {
            progress.printf(Locale.ROOT, "[%2d/%d] %-18s %-16s FAILED: %s%n", step, steps, c.name(), c.guarantee(),
                    c.failure());
        }
        progress.flush();
        return c;
    }

    private Duration timeout() {
        return Duration.ofSeconds(120 + settings.records() / 500);
    }

    private String topic(String name, String guarantee, String role) {
        return "bench-" + run + "-" + name.replace('.', '-') + "-" + (guarantee.startsWith("exactly") ? "eos" : "alos")
                + "-" + role;
    }

    /** Writes the workload's records to {@code topic} with the batching Sluice's producers use; returns the bytes. */
    private long fill(String topic, String idPrefix, int records, boolean transactional) throws Exception {
        Map<String, Object> config = sluiceProducerConfig();
        if (transactional) {
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-" + run + "-" + topic);
        }
        long bytes = 0;
        Serde<Job> jobs = serdes.valueSerde(Job.class);
        AtomicReference<Exception> failed = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            if (transactional) {
                producer.initTransactions();
                producer.beginTransaction();
            }
            long inTransaction = 0;
            for (int i = 0; i < records; i++) {
                String id = idPrefix + "-" + i;
                byte[] value = jobs.serializer().serialize(topic, workload.job(id));
                bytes += value.length;
                producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), value),
                        (metadata, error) -> {
                            if (error != null) {
                                failed.compareAndSet(null, error);
                            }
                        });
                if (transactional && ++inTransaction == 10_000) {
                    producer.commitTransaction();
                    producer.beginTransaction();
                    inTransaction = 0;
                }
            }
            if (transactional) {
                producer.commitTransaction();
            }
            producer.flush();
        }
        if (failed.get() != null) {
            // a lost input would show as a missing output and fail the case for the wrong reason
            throw new IllegalStateException("could not write every input record to " + topic + ": " + failed.get(),
                    failed.get());
        }
        return bytes;
    }

    /** acks=all with the batching Sluice's producers have (Sluice's defaults over Kafka Streams'). */
    private Map<String, Object> sluiceProducerConfig() {
        Properties props = BenchWorker.config(bootstrap, settings.partitions(), "bench", StreamsConfig.AT_LEAST_ONCE)
                .streamsProperties();
        Map<String, Object> streamsProducer = new StreamsConfig(props).getProducerConfigs("bench");
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        for (String key : List.of(ProducerConfig.LINGER_MS_CONFIG, ProducerConfig.BATCH_SIZE_CONFIG,
                ProducerConfig.COMPRESSION_TYPE_CONFIG)) {
            if (streamsProducer.containsKey(key)) {
                config.put(key, streamsProducer.get(key));
            }
        }
        return config;
    }

    private Map<String, Object> consumerConfig(String isolation) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        return config;
    }

    /** Creates those of {@code names} this run has not, and waits until they are served. */
    private void createTopics(List<String> names) throws Exception {
        List<String> missing = names.stream().filter(n -> !created.contains(n)).toList();
        if (missing.isEmpty()) {
            return;
        }
        var existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
        List<NewTopic> topics = missing.stream().filter(n -> !existing.contains(n))
                .map(n -> new NewTopic(n, settings.partitions(), settings.replicationFactor())).toList();
        admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        // a producer that writes before every partition is served can lose its first batches
        if (!TopicReadiness.await(admin, missing, Duration.ofSeconds(60))) {
            throw new IllegalStateException("topics " + missing + " are not served by their leaders after 60 s");
        }
        created.addAll(missing);
    }

    static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        return consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    }
}
