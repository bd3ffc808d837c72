package dev.sluice.app.embedded;

import dev.sluice.app.gateway.Gateway;
import dev.sluice.app.gateway.GatewayAccess;
import dev.sluice.app.gateway.GatewayAddress;
import dev.sluice.app.internal.TempDirs;
import dev.sluice.app.runtime.ConfigLoader;
import dev.sluice.app.runtime.SluiceRunner;
import dev.sluice.client.Documents;
import dev.sluice.client.JobClient;
import dev.sluice.client.ResultLines;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.Result;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.pipeline.Pipeline;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The demo: an embedded broker, the pipeline, the sample documents through the job client, one
 * line per result and a closing summary line {@code demo: N jobs, N completed, N failed in X.X s}.
 */
public final class Demo {

    private final Path documents;
    private final Path config;
    private final boolean passThrough;
    private final Duration timeout;
    private final PrintWriter out;
    private final boolean apicurio;
    private volatile Integer servePort;
    private final CountDownLatch stopServing = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile Gateway gateway;

    public Demo(Path documents, Path config, boolean passThrough, Duration timeout, PrintWriter out) {
        this(documents, config, passThrough, timeout, out, false);
    }

    /** @param apicurio run a real Apicurio Registry for the demo instead of the in-memory registry */
    public Demo(Path documents, Path config, boolean passThrough, Duration timeout, PrintWriter out, boolean apicurio) {
        this.apicurio = apicurio;
        this.documents = documents;
        this.config = config;
        this.passThrough = passThrough;
        this.timeout = timeout;
        this.out = out;
    }

    /** What the demo saw. */
    public record Report(int jobs, int completed, int failed, List<Result<Object>> results) {
    }

    /** {@code examples/documents} of the Sluice checkout the command runs from. */
    public static Path defaultDocuments() {
        String home = System.getProperty("sluice.home");
        return (home == null ? Path.of("") : Path.of(home)).resolve("examples").resolve("documents");
    }

    /**
     * After the documents, keep the broker and the pipeline running with the HTTP gateway on
     * {@code port} of 127.0.0.1 (0 for a free one) until {@link #stop()}.
     */
    public Demo serving(int port) {
        this.servePort = port;
        return this;
    }

    /** Ends serving; {@link #run()} then stops everything and returns. */
    public void stop() {
        stopServing.countDown();
    }

    /** Waits until {@link #run()} has stopped everything and removed its files, for up to {@code timeout}. */
    public boolean awaitFinished(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The gateway while the demo serves, else null. */
    Gateway gateway() {
        return gateway;
    }

    public Report run() throws Exception {
        try {
            return runAll();
        } finally {
            finished.countDown();
        }
    }

    private Report runAll() throws Exception {
        long t0 = System.nanoTime();
        List<Path> files = documentFiles();
        Path stateDir = Files.createTempDirectory("sluice-demo-state-");
        Report report;
        // the registry starts in its own JVM while the broker starts in this one
        CompletableFuture<ApicurioRegistry> starting = apicurio ? CompletableFuture.supplyAsync(() -> {
            try {
                return ApicurioRegistry.start(0, null, Duration.ofSeconds(120));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting the registry", e);
            }
        }) : CompletableFuture.completedFuture(null);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); ApicurioRegistry registry = registry(starting)) {
            Map<String, Object> overrides = new HashMap<>();
            if (registry != null) {
                overrides.put(SluiceConfig.REGISTRY_URL_CONFIG, registry.ccompatUrl());
                out.printf("demo: Apicurio Registry %s at %s%n", registry.version(), registry.ccompatUrl());
            }
            overrides.put(SluiceConfig.KAFKA_PREFIX + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            if (passThrough) {
                overrides.put(SluiceConfig.MODE_CONFIG, SluiceConfig.MODE_PASSTHROUGH);
            }
            ConfigLoader.Loaded loaded = ConfigLoader.load(config, System.getenv(), overrides);
            SluiceConfig settings = loaded.config();
            out.printf("demo: broker %s, pipeline %s, %d documents from %s%n", kafka.bootstrapServers(),
                    describe(loaded), files.size(), documents);
            out.flush();
            Map<String, Object> streamsProps = new HashMap<>(Map.of(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()));
            GatewayAddress address = servePort == null ? null : GatewayAddress.of("127.0.0.1", servePort, null);
            if (address != null) {
                streamsProps.putAll(address.streamsProperties());
            }
            try (SluiceRunner runner = SluiceRunner.start(settings, loaded.pipeline(), streamsProps)) {
                runner.awaitRunning(Duration.ofSeconds(60));
                // the runner's topics: one registry client, and its cache of ids, for the pipeline and the client
                try (JobClient<Object, Object> client = JobClient.create(runner.clientConfig(), runner.topics())) {
                    report = submitAll(client, files);
                    summary(report, t0);
                    if (address != null) {
                        serve(client, runner, address, settings, loaded.pipeline());
                    }
                }
            }
        } finally {
            TempDirs.delete(stateDir);
        }
        if (servePort == null) {
            return report;
        }
        out.println("demo: stopped");
        out.flush();
        return report;
    }

    private void summary(Report report, long t0) {
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "demo: %d jobs, %d completed, %d failed in %.1f s%n",
                report.jobs(), report.completed(), report.failed(), seconds);
        out.flush();
    }

    private void serve(JobClient<Object, Object> client, SluiceRunner runner, GatewayAddress address, SluiceConfig settings,
                       Pipeline pipeline) throws InterruptedException {
        try (Gateway serving = Gateway.serve(client, runner, settings, pipeline, address, GatewayAccess.of(settings))) {
            gateway = serving;
            out.printf("demo: the broker and the pipeline keep running; HTTP gateway and dashboard on"
                    + " http://127.0.0.1:%d/ (POST /v1/jobs, GET /health/ready); Ctrl-C stops%n", serving.port());
            out.flush();
            stopServing.await();
        } finally {
            gateway = null;
        }
    }

    /** The registry {@code starting} started; if it failed, its cause. */
    private static ApicurioRegistry registry(CompletableFuture<ApicurioRegistry> starting) throws Exception {
        try {
            return starting.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
            throw cause instanceof Exception ex ? ex : e;
        }
    }

    private Report submitAll(JobClient<Object, Object> client, List<Path> files) throws Exception {
        List<Submitted> submitted = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            String name = file.getFileName().toString();
            Job job = client.job(String.format(Locale.ROOT, "demo-%02d-%s", i + 1, Documents.stem(name)),
                    Documents.document(file));
            long sent = System.nanoTime();
            CompletableFuture<Long> done = new CompletableFuture<>();
            CompletableFuture<Result<Object>> result = client.submit(job);
            result.whenComplete((r, e) -> done.complete(System.nanoTime()));
            submitted.add(new Submitted(name, sent, result, done));
        }
        client.flush();
        long deadline = System.nanoTime() + timeout.toNanos();
        int completed = 0;
        int failed = 0;
        List<Result<Object>> results = new ArrayList<>();
        for (Submitted s : submitted) {
            long left = Math.max(0, deadline - System.nanoTime());
            Result<Object> result;
            try {
                result = s.result().get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                out.printf("  %-9s  %-28s  no result within %d s%n", "MISSING", s.name(), timeout.toSeconds());
                continue;
            }
            results.add(result);
            long ms = (s.done().get() - s.sent()) / 1_000_000;
            if (result.getStatus() == JobStatus.COMPLETED) {
                completed++;
            } else {
                failed++;
            }
            out.printf("  %-9s  %-28s  %s  %5d ms%n", result.getStatus(), s.name(), ResultLines.detail(result), ms);
            out.flush();
        }
        return new Report(submitted.size(), completed, failed, results);
    }

    private static String describe(ConfigLoader.Loaded loaded) {
        if (loaded.pipeline().isPassThrough()) {
            return "pass-through";
        }
        return loaded.pipeline().name() + " (" + loaded.pipeline().stages().stream()
                .map(s -> s.name()).collect(Collectors.joining(" -> ")) + ")";
    }

    private List<Path> documentFiles() throws IOException {
        if (!Files.isDirectory(documents)) {
            throw new IllegalArgumentException("no documents directory at " + documents.toAbsolutePath()
                    + " (give one with --docs)");
        }
        return Documents.files(List.of(documents));
    }

    private record Submitted(String name, long sent, CompletableFuture<Result<Object>> result, CompletableFuture<Long> done) {
    }
}
