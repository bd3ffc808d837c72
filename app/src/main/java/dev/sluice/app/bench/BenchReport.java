package dev.sluice.app.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.utils.AppInfoParser;

/** What the benchmark measured, as a table for people and as JSON for tools. */
record BenchReport(Machine machine, List<Case> cases, List<Latency> latency, Memory memory) {

    /** Where it ran. */
    record Machine(String os, String arch, int cores, long memoryMb, String java, String kafka, String broker,
                   int records, int partitions, int documentBytes) {
        static Machine current(BenchSettings settings, String bootstrap) {
            long memory = ((OperatingSystemMXBean) ManagementFactory
                    .getOperatingSystemMXBean()).getTotalMemorySize() / (1024 * 1024);
            return new Machine(System.getProperty("os.name") + " " + System.getProperty("os.version"),
                    System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(), memory,
                    System.getProperty("java.vendor") + " " + System.getProperty("java.version"),
                    AppInfoParser.getVersion(), bootstrap, settings.records(),
                    settings.partitions(), settings.documentBytes());
        }
    }

    /**
     * One throughput case. {@code cpuUsPerRecord} is the CPU time the application's JVM used per input
     * record while it was timed, or -1 where no application of ours ran (the limit cases): a cost that
     * the other processes on the same cores move far less than they move the rate.
     */
    record Case(String name, String guarantee, long records, double recordsPerSecond, double mbPerSecond,
                double cpuUsPerRecord, long producerRetries, String failure) {
        static Case timed(String name, String guarantee, long records, long bytes, double seconds) {
            return new Case(name, guarantee, records, records / seconds, bytes / seconds / 1e6, -1, -1, null);
        }

        static Case failed(String name, String guarantee, long records, String why) {
            return new Case(name, guarantee, records, 0, 0, -1, -1, why);
        }

        /** A rate worked out rather than measured, such as an asynchronous stage's bound. */
        static Case derived(String name, String guarantee, double recordsPerSecond) {
            return new Case(name, guarantee, 0, recordsPerSecond, 0, -1, -1, null);
        }

        Case withCpu(double usPerRecord) {
            return new Case(name, guarantee, records, recordsPerSecond, mbPerSecond, usPerRecord, producerRetries,
                    failure);
        }

        /** With the sends its application's producers made again in the case (Kafka's record-retry-total). */
        Case withRetries(long retries) {
            return new Case(name, guarantee, records, recordsPerSecond, mbPerSecond, cpuUsPerRecord, retries, failure);
        }

        String cpuText() {
            return cpuUsPerRecord < 0 ? "-" : String.format(Locale.ROOT, "%,.1f", cpuUsPerRecord);
        }

        String retriesText() {
            return producerRetries < 0 ? "-" : String.format(Locale.ROOT, "%,d", producerRetries);
        }
    }

    /**
     * Submit-to-result latency of one pipeline at a fixed rate; {@code behindAt} is the rate of the
     * attempt before, which fell behind (0 when the first attempt kept up).
     */
    record Latency(String name, String guarantee, int rate, int jobs, double p50Ms, double p90Ms, double p99Ms,
                   double maxMs, String failure, int behindAt) {

        Latency(String name, String guarantee, int rate, int jobs, double p50Ms, double p90Ms, double p99Ms,
                double maxMs, String failure) {
            this(name, guarantee, rate, jobs, p50Ms, p90Ms, p99Ms, maxMs, failure, 0);
        }

        /** The rate, and the one it fell behind at before, if any. */
        String rateText() {
            return behindAt == 0 ? String.format(Locale.ROOT, "%,d", rate)
                    : String.format(Locale.ROOT, "%,d (behind at %,d)", rate, behindAt);
        }

        /** The p99 it must not pass, in milliseconds, or -1 where there is no target. */
        double targetP99Ms() {
            return LATENCY_TARGETS.getOrDefault(name + "/" + guarantee, -1.0);
        }

        /** Its target and whether it was met, or "" where there is none. */
        String describeTarget() {
            double target = targetP99Ms();
            return target < 0 || failure != null ? "" : String.format(Locale.ROOT, "p99 <= %.0f ms: %s", target,
                    p99Ms <= target ? "met" : "MISSED");
        }
    }

    /** The p99 each latency case must stay under, by {@code name/guarantee}. */
    static final Map<String, Double> LATENCY_TARGETS = Map.of(
            "sluice.passthrough/at_least_once", 25.0, "sluice.passthrough/exactly_once_v2", 150.0,
            "sluice.ingest/at_least_once", 50.0, "sluice.ingest/exactly_once_v2", 250.0);

    /** The peak RSS Sluice's JVM must stay under, in MiB. */
    static final double RSS_TARGET_MIB = 400;

    /** Peaks of the JVM that ran Sluice's applications, started with {@code javaOptions}; -1 if unknown. */
    record Memory(double peakRssMb, double peakHeapMb, String javaOptions) {
    }

    Optional<Case> find(String name, String guarantee) {
        return cases.stream().filter(c -> c.name().equals(name) && c.guarantee().equals(guarantee)
                && c.failure() == null).findFirst();
    }

    /** The table. */
    String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%nSluice benchmark: %,d records of %,d-byte documents, %d partitions, "
                        + "%d cores, Kafka %s, broker %s%n%n", machine.records(), machine.documentBytes(),
                machine.partitions(), machine.cores(), machine.kafka(), machine.broker()));
        sb.append(String.format(Locale.ROOT, "%-20s %-16s %9s %14s %10s %14s %8s%n", "case", "guarantee", "records",
                "records/s", "MB/s", "CPU us/record", "retries"));
        for (Case c : cases) {
            if (c.failure() == null) {
                sb.append(String.format(Locale.ROOT, "%-20s %-16s %,9d %,14.0f %10.1f %14s %8s%n", c.name(), c.guarantee(),
                        c.records(), c.recordsPerSecond(), c.mbPerSecond(), c.cpuText(), c.retriesText()));
            } else {
                sb.append(String.format(Locale.ROOT, "%-20s %-16s FAILED: %s%n", c.name(), c.guarantee(), c.failure()));
            }
        }
        List<Ratio> ratios = ratios();
        if (!ratios.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%n%-34s %-16s %9s %11s  %s%n", "ratio", "guarantee", "records/s",
                    "CPU/record", "target"));
            for (Ratio r : ratios) {
                sb.append(r.failure() != null
                        ? String.format(Locale.ROOT, "%-34s %-16s  n/a (%s)%n", r.label(), r.guarantee(), r.failure())
                        : String.format(Locale.ROOT, "%-34s %-16s %9.2f %11s  %s%n", r.label(), r.guarantee(),
                                r.rate(), r.cpu() < 0 ? "-" : String.format(Locale.ROOT, "%.2f", r.cpu()),
                                r.target().describe(r)));
            }
        }
        sb.append(String.format(Locale.ROOT, "%n%-20s %-16s %6s %9s %9s %9s %9s  %s%n", "latency", "guarantee",
                "rate/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "target"));
        for (Latency l : latency) {
            sb.append(String.format(Locale.ROOT, "%-20s %-16s %6s %9.1f %9.1f %9.1f %9.1f  %s%n", l.name(), l.guarantee(),
                    l.rateText(), l.p50Ms(), l.p90Ms(), l.p99Ms(), l.maxMs(),
                    l.failure() == null ? l.describeTarget() : "FAILED: " + l.failure()));
        }
        sb.append(String.format(Locale.ROOT, "%nmemory of the Sluice side (its own JVM, java %s; the load clients, floors"
                + " and broker run apart): %s%n", memory.javaOptions(), memoryText()));
        return sb.toString();
    }

    private String memoryText() {
        return memory.peakRssMb() < 0 ? "not measured" : String.format(Locale.ROOT,
                "peak RSS %.0f MiB (target <= %.0f MiB: %s), peak heap %.0f MiB", memory.peakRssMb(), RSS_TARGET_MIB,
                memory.peakRssMb() <= RSS_TARGET_MIB ? "met" : "MISSED", memory.peakHeapMb());
    }

    /**
     * The tables as Markdown, for the performance page: where and when they were measured ({@code
     * commit}, {@code date}, the machine) and by which {@code command}, the cases, the ratios with
     * their targets, the latency and the memory.
     */
    String markdown(String command, String commit, String date) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Measured by `%s` at commit `%s` on %s: %s (%s), %d cores, %,d MiB,"
                        + " Java %s, Kafka %s; %d partitions, %,d-byte documents, %,d records per case.%n%n", command, commit,
                date, machine.os(), machine.arch(), machine.cores(), machine.memoryMb(), machine.java(), machine.kafka(),
                machine.partitions(), machine.documentBytes(), machine.records()));
        md.append("| case | guarantee | records | records/s | MB/s | CPU us/record | producer retries |\n");
        md.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (Case c : cases) {
            md.append(c.failure() != null
                    ? String.format(Locale.ROOT, "| %s | %s | %,d | FAILED: %s | | | |%n", c.name(), c.guarantee(),
                            c.records(), c.failure())
                    : String.format(Locale.ROOT, "| %s | %s | %,d | %,.0f | %.1f | %s | %s |%n", c.name(), c.guarantee(),
                            c.records(), c.recordsPerSecond(), c.mbPerSecond(), c.cpuText(), c.retriesText()));
        }
        List<Ratio> ratios = ratios();
        if (!ratios.isEmpty()) {
            md.append("\n| ratio | guarantee | records/s | CPU per record | target |\n");
            md.append("| --- | --- | ---: | ---: | --- |\n");
            for (Ratio r : ratios) {
                md.append(r.failure() != null
                        ? String.format(Locale.ROOT, "| %s | %s | n/a (%s) | | |%n", r.label(), r.guarantee(), r.failure())
                        : String.format(Locale.ROOT, "| %s | %s | %.2f | %s | %s |%n", r.label(), r.guarantee(),
                                r.rate(), r.cpu() < 0 ? "-" : String.format(Locale.ROOT, "%.2f", r.cpu()),
                                r.target().describe(r)));
            }
        }
        if (!latency.isEmpty()) {
            md.append("\n| latency | guarantee | rate/s | p50 ms | p90 ms | p99 ms | max ms | target |\n");
            md.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
            for (Latency l : latency) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1f | %.1f | %.1f | %.1f | %s |%n", l.name(),
                        l.guarantee(), l.rateText(), l.p50Ms(), l.p90Ms(), l.p99Ms(), l.maxMs(),
                        l.failure() == null ? l.describeTarget() : "FAILED: " + l.failure()));
            }
        }
        md.append(String.format(Locale.ROOT, "%nMemory of Sluice's JVM (`java %s`; the load clients, the floors and the"
                + " broker run apart): %s.%n", memory.javaOptions(), memoryText()));
        return md.toString();
    }

    /**
     * What a ratio must be: its records/s ({@code cpu} false) or its CPU per record ({@code cpu} true)
     * at least or at most {@code bound}.
     */
    record Target(String top, String bottom, boolean cpu, boolean atLeast, double bound) {

        boolean met(Ratio r) {
            double value = cpu ? r.cpu() : r.rate();
            return atLeast ? value >= bound : value <= bound;
        }

        String describe(Ratio r) {
            return String.format(Locale.ROOT, "%s %s %.2f: %s", cpu ? "CPU" : "records/s", atLeast ? ">=" : "<=", bound,
                    met(r) ? "met" : "MISSED");
        }
    }

    /** Sluice's ratios to the floors and the limit, and the target each must meet. */
    static final List<Target> TARGETS = List.of(
            new Target("sluice.passthrough", "floor.avro", false, true, 1.2),
            new Target("sluice.passthrough", "floor.bytes", false, true, 1.0),
            new Target("sluice.ingest", "floor.ingest", false, true, 0.8),
            new Target(Bench.INGEST_BARE, "floor.ingest", false, true, 0.95),
            new Target("sluice.ingest", "limit.ingest", true, false, 2.0),
            new Target(Bench.ASYNC, Bench.ASYNC_BOUND, false, true, 0.8),
            new Target(Bench.ASYNC, Bench.ASYNC_SYNC, false, true, 20));

    /**
     * One case over another in the same guarantee (or over a case that has none): its records/s and
     * its CPU per record as ratios ({@code cpu} -1 where either has no CPU figure); {@code failure}
     * says why there are none.
     */
    record Ratio(String label, String guarantee, double rate, double cpu, Target target, String failure) {
    }

    /** Every ratio of {@link #TARGETS} whose two cases ran, per guarantee. */
    List<Ratio> ratios() {
        List<Ratio> ratios = new ArrayList<>();
        for (String guarantee : Bench.GUARANTEES) {
            for (Target t : TARGETS) {
                String under = ran(t.bottom(), guarantee) ? guarantee : Bench.NO_GUARANTEE;
                if (!ran(t.top(), guarantee) || !ran(t.bottom(), under)) {
                    continue;
                }
                String label = t.top() + " / " + t.bottom();
                Optional<Case> a = find(t.top(), guarantee);
                Optional<Case> b = find(t.bottom(), under);
                if (a.isEmpty() || b.isEmpty()) {
                    ratios.add(new Ratio(label, guarantee, 0, 0, t, "a case failed"));
                    continue;
                }
                double cpu = a.get().cpuUsPerRecord() < 0 || b.get().cpuUsPerRecord() <= 0 ? -1
                        : a.get().cpuUsPerRecord() / b.get().cpuUsPerRecord();
                ratios.add(new Ratio(label, guarantee, a.get().recordsPerSecond() / b.get().recordsPerSecond(), cpu,
                        t, null));
            }
        }
        return ratios;
    }

    private boolean ran(String name, String guarantee) {
        return cases.stream().anyMatch(c -> c.name().equals(name) && c.guarantee().equals(guarantee));
    }

    /** Writes the JSON form to {@code file}. */
    void writeJson(Path file) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("machine", machine);
        json.put("cases", cases.stream().map(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.name());
            m.put("guarantee", c.guarantee());
            m.put("records", c.records());
            m.put("records_per_s", round(c.recordsPerSecond()));
            m.put("mb_per_s", round(c.mbPerSecond()));
            if (c.cpuUsPerRecord() >= 0) {
                m.put("cpu_us_per_record", round(c.cpuUsPerRecord()));
            }
            if (c.producerRetries() >= 0) {
                m.put("producer_retries", c.producerRetries());
            }
            if (c.failure() != null) {
                m.put("failed", c.failure());
            }
            return m;
        }).toList());
        json.put("ratios", ratios().stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ratio", r.label());
            m.put("guarantee", r.guarantee());
            if (r.failure() != null) {
                m.put("failed", r.failure());
                return m;
            }
            m.put("records_per_s", Math.round(r.rate() * 100.0) / 100.0);
            if (r.cpu() >= 0) {
                m.put("cpu_per_record", Math.round(r.cpu() * 100.0) / 100.0);
            }
            m.put("target", r.target().describe(r));
            m.put("met", r.target().met(r));
            return m;
        }).toList());
        json.put("latency", latency.stream().map(l -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", l.name());
            m.put("guarantee", l.guarantee());
            m.put("rate", l.rate());
            if (l.behindAt() > 0) {
                m.put("behind_at_rate", l.behindAt());
            }
            m.put("p50_ms", round(l.p50Ms()));
            m.put("p90_ms", round(l.p90Ms()));
            m.put("p99_ms", round(l.p99Ms()));
            m.put("max_ms", round(l.maxMs()));
            if (l.failure() != null) {
                m.put("failed", l.failure());
            }
            return m;
        }).toList());
        json.put("memory", Map.of("peak_rss_mb", round(memory.peakRssMb()), "peak_heap_mb", round(memory.peakHeapMb()),
                "java_options", memory.javaOptions()));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
    }

    private static double round(double value) {
        return Math.round(value * 10.0) / 10.0;
    }
}
