package dev.sluice.app.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.SluiceTopics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The soak: Sluice's ingest graph under exactly_once_v2 in a worker JVM of its own, fed jobs at a
 * fixed rate for a long time (one in {@value #CANCEL_EVERY} cancelled as soon as it is sent), while the
 * worker's resources are sampled (see {@link Resources}), its stores' keys among them. The duplicate window, the status retention
 * and the cancel retention are shortened to a {@linkplain #window window} of at most five minutes, so
 * that every store reaches the size it keeps within the run; the trends are fitted to the samples of
 * the second half of the run, where nothing should grow any more.
 */
final class Soak {

    /** One job in this many is cancelled right after it is sent: cancels are remembered, for a while. */
    static final int CANCEL_EVERY = 50;
    /** A trend is flat when its fitted change over an hour is within this share of its mean. */
    static final double FLAT_SHARE_PER_HOUR = 0.05;

    private final BenchWorker.Handle worker;
    private final SluiceTopics topics;
    private final Workload workload;
    private final String bootstrap;
    private final PrintWriter progress;

    Soak(BenchWorker.Handle worker, SluiceTopics topics, Workload workload, String bootstrap, PrintWriter progress) {
        this.worker = worker;
        this.topics = topics;
        this.workload = workload;
        this.bootstrap = bootstrap;
        this.progress = progress;
    }

    /** How long a job's traces are kept in the soak: a quarter of the run, between one and five minutes. */
    static Duration window(Duration duration) {
        Duration quarter = duration.dividedBy(4);
        return quarter.compareTo(Duration.ofMinutes(1)) < 0 ? Duration.ofMinutes(1)
                : quarter.compareTo(Duration.ofMinutes(5)) > 0 ? Duration.ofMinutes(5) : quarter;
    }

    /** How often the worker is sampled: about sixty samples a run, every 2 to 10 seconds. */
    static Duration every(Duration duration) {
        long ms = Math.max(2_000, Math.min(10_000, duration.toMillis() / 60));
        return Duration.ofMillis(ms);
    }

    /**
     * From when on the samples count for the trends: the second half of the run. By then the stores
     * have held a job's traces for two windows, and the gathers have forgotten the groups they flushed
     * ten minutes before (they remember each for ten of their timeouts, at least ten minutes): in a
     * 30-minute run the heap rose until 15 minutes in and stayed there.
     */
    static double settledSeconds(Duration duration) {
        return duration.toSeconds() / 2.0;
    }

    Report run(String prefix, Duration duration, int rate) throws Exception {
        Duration window = window(duration);
        long everyMs = every(duration).toMillis();
        progress.printf(Locale.ROOT, "[soak] the ingest graph under exactly_once_v2 at %d jobs/s for %s, windows of %s,"
                + " sampled every %.0f s%n", rate, text(duration), text(window), everyMs / 1e3);
        progress.flush();
        worker.startApplication("ingest", StreamsConfig.EXACTLY_ONCE_V2, prefix, Long.toString(window.toMillis()));
        List<Sample> samples = new ArrayList<>();
        AtomicLong completed = new AtomicLong();
        AtomicLong cancelled = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<Throwable> error = new AtomicReference<>();
        long submitted = 0;
        String failure = null;
        try (JobClient<Object, Object> client = JobClient.create(Map.of("bootstrap.servers", bootstrap, "linger.ms", 0), topics, 0,
                rate * 30, Duration.ofSeconds(60))) {
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            long interval = 1_000_000_000L / rate;
            long nextSample = start;
            long i = 0;
            while (true) {
                long now = System.nanoTime();
                if (now >= end) {
                    break;
                }
                if (now >= nextSample) {
                    sample(samples, (now - start) / 1e9, submitted, ended(completed, cancelled, failed), duration);
                    nextSample += everyMs * 1_000_000;
                    continue;
                }
                long intended = start + i * interval;
                if (intended > now) {
                    LockSupport.parkNanos(Math.min(Math.min(intended, nextSample), end) - now);
                    continue;
                }
                Job job = workload.job(prefix + "-" + i);
                submitted++;
                client.submit(job).whenComplete((result, e) -> {
                    if (e != null) {
                        error.compareAndSet(null, e);
                    } else if (result.getStatus() == JobStatus.COMPLETED) {
                        completed.incrementAndGet();
                    } else if (result.getStatus() == JobStatus.CANCELLED) {
                        cancelled.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                });
                if (i % CANCEL_EVERY == CANCEL_EVERY - 1) {
                    client.cancel(job.getJobId(), "soak");
                }
                i++;
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (ended(completed, cancelled, failed) < submitted && error.get() == null
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            long ended = ended(completed, cancelled, failed);
            if (ended < submitted) {
                failure = (submitted - ended) + " of " + submitted + " jobs had no result 120 s after the last was sent";
            }
        } finally {
            worker.stopApplication();
        }
        if (failure == null && error.get() != null) {
            failure = "a job failed to go: " + error.get();
        }
        if (failure == null && failed.get() > 0) {
            failure = failed.get() + " jobs ended neither COMPLETED nor CANCELLED";
        }
        return new Report(duration, rate, window, submitted, completed.get(), cancelled.get(), failed.get(),
                List.copyOf(samples), settledSeconds(duration), failure);
    }

    private static long ended(AtomicLong completed, AtomicLong cancelled, AtomicLong failed) {
        return completed.get() + cancelled.get() + failed.get();
    }

    private void sample(List<Sample> samples, double seconds, long submitted, long ended, Duration duration)
            throws Exception {
        Resources now = worker.sample();
        samples.add(new Sample(seconds, now));
        progress.printf(Locale.ROOT, "[soak %s/%s] %,d jobs sent, %,d ended; RSS %.0f MiB, heap after GC %.1f MiB"
                + " of %.0f, RocksDB cache %.1f MiB, %d threads, %d open files, state %.1f MiB, %,d keys in stores%n",
                text(Duration.ofSeconds((long) seconds)), text(duration), submitted, ended, mib(now.rssBytes()),
                mib(now.heapBytes()), mib(now.heapCommittedBytes()), mib(now.rocksDbBytes()), now.threads(),
                now.openFiles(), mib(now.stateBytes()),
                now.storeKeys().values().stream().mapToLong(Long::longValue).sum());
        progress.flush();
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    static String text(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /** The worker's resources {@code seconds} after the load began. */
    record Sample(double seconds, Resources resources) {
    }

    /**
     * How one resource moved over the settled part of the run: the least-squares line through its
     * samples there, as a change per hour; and the highest value in its first and in its second half,
     * {@code hoursBetween} apart (the halves' middles).
     */
    record Trend(String name, String unit, double first, double last, double mean, double perHour,
                 double firstPeak, double lastPeak, double hoursBetween) {

        /**
         * Flat when the fitted change over an hour is within {@value #FLAT_SHARE_PER_HOUR} of the mean (or
         * under one unit), or when the second half's peak is no higher than the first half's by more than
         * that allowance over the time between them: a saw-tooth (files merged by compaction) whose
         * teeth keep their height is flat whatever phase the run ends in, where a line fitted through
         * two or three teeth can slope either way (each half must span a tooth).
         */
        boolean flat() {
            double allowance = Math.max(1, FLAT_SHARE_PER_HOUR * Math.abs(mean));
            return Math.abs(perHour) <= allowance || lastPeak - firstPeak <= allowance * hoursBetween;
        }

        static Trend of(String name, String unit, List<Sample> samples, ToDoubleFunction<Resources> value) {
            int n = samples.size();
            if (n == 0) {
                return new Trend(name, unit, 0, 0, 0, 0, 0, 0, 0);
            }
            double meanT = samples.stream().mapToDouble(Sample::seconds).average().orElse(0);
            double meanV = samples.stream().mapToDouble(s -> value.applyAsDouble(s.resources())).average().orElse(0);
            double num = 0;
            double den = 0;
            for (Sample s : samples) {
                double dt = s.seconds() - meanT;
                num += dt * (value.applyAsDouble(s.resources()) - meanV);
                den += dt * dt;
            }
            double perSecond = den == 0 ? 0 : num / den;
            int half = Math.max(1, n / 2);
            List<Sample> head = samples.subList(0, half);
            List<Sample> tail = samples.subList(n - half, n);
            double hours = (middle(tail) - middle(head)) / 3600;
            return new Trend(name, unit, value.applyAsDouble(samples.get(0).resources()),
                    value.applyAsDouble(samples.get(n - 1).resources()), meanV, perSecond * 3600, peak(head, value),
                    peak(tail, value), hours);
        }

        private static double peak(List<Sample> samples, ToDoubleFunction<Resources> value) {
            return samples.stream().mapToDouble(s -> value.applyAsDouble(s.resources())).max().orElse(0);
        }

        private static double middle(List<Sample> samples) {
            return (samples.get(0).seconds() + samples.get(samples.size() - 1).seconds()) / 2;
        }
    }

    /** What a soak found; {@code failure} null when every job ended COMPLETED or CANCELLED. */
    record Report(Duration duration, int rate, Duration window, long submitted, long completed, long cancelled,
                  long failed, List<Sample> samples, double settledSeconds, String failure) {

        List<Sample> settled() {
            return samples.stream().filter(s -> s.seconds() >= settledSeconds).toList();
        }

        /** The trend of every resource, and of each store that exists in every settled sample. */
        List<Trend> trends() {
            List<Sample> settled = settled();
            double mib = 1024.0 * 1024.0;
            List<Trend> trends = new ArrayList<>(List.of(
                    Trend.of("RSS", "MiB", settled, r -> r.rssBytes() / mib),
                    Trend.of("heap after GC", "MiB", settled, r -> r.heapBytes() / mib),
                    Trend.of("heap committed", "MiB", settled, r -> r.heapCommittedBytes() / mib),
                    Trend.of("RocksDB cache", "MiB", settled, r -> r.rocksDbBytes() / mib),
                    Trend.of("threads", "", settled, Resources::threads),
                    Trend.of("open files", "", settled, Resources::openFiles),
                    Trend.of("state directory", "MiB", settled, r -> r.stateBytes() / mib),
                    Trend.of("keys in all stores", "", settled, r -> r.storeKeys().values().stream()
                            .mapToLong(Long::longValue).sum())));
            TreeSet<String> stores = new TreeSet<>();
            settled.forEach(s -> stores.addAll(s.resources().storeKeys().keySet()));
            for (String store : stores) {
                trends.add(Trend.of("keys in " + store, "", settled, r -> r.storeKeys().getOrDefault(store, 0L)));
            }
            return trends;
        }

        String table() {
            StringBuilder out = new StringBuilder();
            double seconds = samples.isEmpty() ? duration.toSeconds() : samples.get(samples.size() - 1).seconds();
            out.append(String.format(Locale.ROOT, "Soak: the ingest graph under exactly_once_v2 at %d jobs/s for %s,"
                    + " windows of %s (duplicate window, status and cancel retention)%n", rate, text(duration),
                    text(window)));
            out.append(String.format(Locale.ROOT, "jobs: %,d sent (%.1f/s), %,d completed, %,d cancelled, %,d other%n",
                    submitted, submitted / Math.max(1, Math.min(seconds, duration.toSeconds())), completed, cancelled,
                    failed));
            out.append(String.format(Locale.ROOT, "trends over %d samples from %s to the end (of %d):%n",
                    settled().size(), text(Duration.ofSeconds((long) settledSeconds)), samples.size()));
            out.append(String.format(Locale.ROOT, "%-44s %12s %12s %12s %14s  %s%n", "resource", "first", "last", "mean",
                    "slope per hour", ""));
            List<String> growing = new ArrayList<>();
            for (Trend t : trends()) {
                String name = t.unit().isEmpty() ? t.name() : t.name() + " (" + t.unit() + ")";
                out.append(String.format(Locale.ROOT, "%-44s %12.1f %12.1f %12.1f %+14.1f  %s%n", name, t.first(),
                        t.last(), t.mean(), t.perHour(), t.flat() ? "flat" : t.perHour() > 0 ? "GROWS" : "falls"));
                if (!t.flat() && t.perHour() > 0) {
                    growing.add(t.name());
                }
            }
            out.append(failure != null ? "FAILED: " + failure + "\n"
                    : growing.isEmpty() ? "every trend flat\n" : "growing: " + String.join(", ", growing) + "\n");
            return out.toString();
        }

        void writeJson(Path file) throws IOException {
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode().put("durationSeconds", duration.toSeconds()).put("rate", rate)
                    .put("windowSeconds", window.toSeconds()).put("submitted", submitted).put("completed", completed)
                    .put("cancelled", cancelled).put("other", failed).put("settledSeconds", settledSeconds)
                    .put("failure", failure);
            ArrayNode each = root.putArray("samples");
            for (Sample s : samples) {
                ObjectNode node = each.addObject().put("seconds", s.seconds()).put("rssBytes", s.resources().rssBytes())
                        .put("heapBytes", s.resources().heapBytes())
                        .put("heapCommittedBytes", s.resources().heapCommittedBytes())
                        .put("rocksDbBytes", s.resources().rocksDbBytes()).put("threads", s.resources().threads())
                        .put("openFiles", s.resources().openFiles()).put("stateBytes", s.resources().stateBytes());
                ObjectNode stores = node.putObject("storeKeys");
                s.resources().storeKeys().forEach(stores::put);
            }
            ArrayNode trends = root.putArray("trends");
            for (Trend t : trends()) {
                trends.addObject().put("name", t.name()).put("unit", t.unit()).put("first", t.first())
                        .put("last", t.last()).put("mean", t.mean()).put("perHour", t.perHour())
                        .put("firstHalfPeak", t.firstPeak()).put("secondHalfPeak", t.lastPeak()).put("flat", t.flat());
            }
            json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
        }
    }
}
