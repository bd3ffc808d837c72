package dev.sluice.app.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.app.runtime.ConfigLoader;
import dev.sluice.app.runtime.SluiceRunner;
import dev.sluice.client.InvalidJsonException;
import dev.sluice.client.Documents;
import dev.sluice.client.JobClient;
import dev.sluice.client.PayloadJson;
import dev.sluice.client.ResultLines;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.Result;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice submit}: documents on disk as jobs to a running pipeline, with a progress bar. */
@Command(name = "submit",
        mixinStandardHelpOptions = true,
        header = "Submit documents as jobs to a running pipeline.",
        description = {
            "",
            "One job per file (a directory: its files, by name; not its subdirectories), with the file's text"
                    + " as the document. With --json, one job per line of each file instead: each line a payload"
                    + " of the pipeline's input type as JSON (records as objects, bytes as base64, a timestamp as"
                    + " an ISO-8601 instant); a line that does not fit stops the command, naming the line and"
                    + " the field, before any job is sent. A progress bar on standard error shows the count, the"
                    + " rate and the time"
                    + " left; standard output gets one line per job (its id and file) or, with --wait, per"
                    + " result, then a summary.",
            "",
            "Exit code 0 when every job was sent (and, with --wait, completed), 1 otherwise.",
            ""
        })
final class SubmitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE|DIR", arity = "1..*", description = "Documents: files, or directories of them.")
    List<Path> paths;

    @Option(names = "--json", description = "The files hold JSON lines, each a payload of the pipeline's input type.")
    boolean json;

    @picocli.CommandLine.Mixin
    DeploymentOption deployment;

    @Option(names = {"-w", "--wait"}, description = "Wait for every job's result and print it.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "With --wait, give up on results after this long (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--in-flight", paramLabel = "N", defaultValue = "1000",
            description = "At most this many jobs on their way at a time: sending waits for results"
                    + " (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Sent(String jobId, String from, CompletableFuture<Result<Object>> result) {
    }

    /** A job to send: its id, where it came from, and its payload, read when it is sent. */
    private record Item(String jobId, String from, Callable<Object> payload) {
    }

    /** One job per document, each read as it is sent. */
    private static List<Item> documents(List<Path> files) {
        List<Item> items = new ArrayList<>();
        for (Path file : files) {
            String jobId = Documents.stem(file.getFileName().toString()) + "-" + UUID.randomUUID().toString().substring(0, 8);
            items.add(new Item(jobId, file.toString(), () -> Documents.document(file)));
        }
        return items;
    }

    /**
     * One job per line of JSON, each read now as a payload of {@code input}; empty (with each bad line
     * named on {@code err}) when any line does not fit.
     */
    private static Optional<List<Item>> payloads(List<Path> files, Schema input, PrintWriter err) throws IOException {
        List<Item> items = new ArrayList<>();
        int bad = 0;
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).isBlank()) {
                    continue;
                }
                String where = file + ":" + (i + 1);
                try {
                    GenericRecord payload = PayloadJson.read(JSON.readTree(lines.get(i)), input, "payload");
                    String jobId = Documents.stem(file.getFileName().toString()) + "-" + (i + 1) + "-"
                            + UUID.randomUUID().toString().substring(0, 8);
                    items.add(new Item(jobId, where, () -> payload));
                } catch (JsonProcessingException e) {
                    err.printf("%s: not JSON: %s%n", where, e.getOriginalMessage());
                    bad++;
                } catch (InvalidJsonException e) {
                    err.printf("%s: %s%n", where, e.getMessage());
                    bad++;
                }
            }
        }
        err.flush();
        return bad == 0 ? Optional.of(items) : Optional.empty();
    }

    @Override
    public Integer call() throws Exception {
        ConfigLoader.Loaded loaded = deployment.load();
        List<Path> files = Documents.files(paths);
        PrintWriter out = spec.commandLine().getOut();
        List<Item> items;
        if (json) {
            PayloadType<?> input = loaded.pipeline().input();
            Optional<List<Item>> read = payloads(files, input.isAny() ? Document.getClassSchema() : input.schema(),
                    spec.commandLine().getErr());
            if (read.isEmpty()) {
                out.println("nothing sent: the lines above do not fit the pipeline's input (" + input.name() + ")");
                out.flush();
                return 1;
            }
            items = read.get();
        } else {
            items = documents(files);
        }
        Progress progress = new Progress(spec.commandLine().getErr(), items.size(), await ? "results" : "sent");
        List<Sent> sent = new ArrayList<>();
        long t0 = System.nanoTime();
        AtomicInteger done = new AtomicInteger();
        try (JobClient<Object, Object> client = SluiceRunner.client(loaded, 0, maxInFlight)) {
            progress.start();
            for (Item item : items) {
                CompletableFuture<Result<Object>> result = client.submit(item.jobId(), item.payload().call());
                sent.add(new Sent(item.jobId(), item.from(), result));
                if (!await) {
                    progress.set(sent.size());
                } else {
                    result.whenComplete((r, e) -> progress.set(done.incrementAndGet()));
                }
            }
            client.flush();
            if (!await) {
                progress.finish();
                long failed = sent.stream().filter(s -> s.result().isCompletedExceptionally()).count();
                sent.forEach(s -> out.printf("%s  %s%n", s.jobId(), s.from()));
                out.printf(Locale.ROOT, "submitted %d jobs to %s.jobs in %.1f s%s%n", sent.size() - failed,
                        loaded.config().topicPrefix(), seconds(t0), failed == 0 ? "" : "; " + failed + " not sent");
                out.flush();
                return failed == 0 ? 0 : 1;
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            int completed = 0;
            int failed = 0;
            int missing = 0;
            List<String> lines = new ArrayList<>();
            for (Sent s : sent) {
                try {
                    Result<Object> result = s.result().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (result.getStatus() == JobStatus.COMPLETED) {
                        completed++;
                    } else {
                        failed++;
                    }
                    lines.add(String.format("  %-9s  %-36s  %s", result.getStatus(), s.jobId(), ResultLines.detail(result)));
                } catch (TimeoutException e) {
                    missing++;
                    lines.add(String.format("  %-9s  %-36s  no result within %d s", "MISSING", s.jobId(), timeoutSeconds));
                } catch (ExecutionException e) {
                    failed++;
                    lines.add(String.format("  %-9s  %-36s  %s", "NOT SENT", s.jobId(), e.getCause().getMessage()));
                }
            }
            progress.finish();
            lines.forEach(out::println);
            out.printf(Locale.ROOT, "%d jobs: %d completed, %d failed, %d without a result in %.1f s%n",
                    sent.size(), completed, failed, missing, seconds(t0));
            out.flush();
            return completed == sent.size() ? 0 : 1;
        } finally {
            progress.finish();
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /**
     * A progress bar on standard error: {@code [#####.....] 12/30 results  4.1/s  ETA 4 s}, redrawn in
     * place on a terminal, a line every 5 s otherwise.
     */
    static final class Progress {
        private final PrintWriter err;
        private final int total;
        private final String what;
        private final boolean terminal = System.console() != null;
        private final long t0 = System.nanoTime();
        private final AtomicInteger count = new AtomicInteger();
        private final ScheduledExecutorService timer =
                Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "sluice-submit-progress");
                    t.setDaemon(true);
                    return t;
                });
        private volatile boolean finished;

        Progress(PrintWriter err, int total, String what) {
            this.err = err;
            this.total = total;
            this.what = what;
        }

        void start() {
            timer.scheduleAtFixedRate(this::draw, 0, terminal ? 200 : 5_000, TimeUnit.MILLISECONDS);
        }

        void set(int n) {
            count.accumulateAndGet(n, Math::max);
        }

        synchronized void finish() {
            if (finished) {
                return;
            }
            finished = true;
            timer.shutdownNow();
            err.print(line() + "\n");
            err.flush();
        }

        private synchronized void draw() {
            if (finished) {
                return;
            }
            err.print(terminal ? "\r" + line() : line() + "\n");
            err.flush();
        }

        /** The bar, the count, the rate and the time left. */
        String line() {
            int n = count.get();
            double seconds = Math.max(1e-3, (System.nanoTime() - t0) / 1e9);
            double rate = n / seconds;
            int width = 30;
            int filled = total == 0 ? width : (int) ((long) n * width / total);
            String eta = n == 0 ? "?" : n >= total ? "0 s" : String.format(Locale.ROOT, "%.0f s", (total - n) / rate);
            return String.format(Locale.ROOT, "[%s%s] %d/%d %s  %.1f/s  ETA %s", "#".repeat(filled),
                    ".".repeat(width - filled), n, total, what, rate, eta);
        }
    }
}
