package dev.sluice.app.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
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
                double cpuUsPerRecord, String failure) {
        static Case timed(String name, String guarantee, long records, long bytes, double seconds) {
            return new Case(name, guarantee, records, records / seconds, bytes / seconds / 1e6, -1, null);
        }

        static Case failed(String name, String guarantee, long records, String why) {
            return new Case(name, guarantee, records, 0, 0, -1, why);
        }

        Case withCpu(double usPerRecord) {
            return new Case(name, guarantee, records, recordsPerSecond, mbPerSecond, usPerRecord, failure);
        }
    }

    /** Submit-to-result latency of one pipeline at a fixed rate. */
    record Latency(String name, String guarantee, int rate, int jobs, double p50Ms, double p90Ms, double p99Ms,
                   double maxMs, String failure) {
    }

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
        sb.append(String.format(Locale.ROOT, "%-20s %-16s %9s %14s %10s %14s%n", "case", "guarantee", "records",
                "records/s", "MB/s", "CPU us/record"));
        for (Case c : cases) {
            if (c.failure() == null) {
                sb.append(String.format(Locale.ROOT, "%-20s %-16s %,9d %,14.0f %10.1f %14s%n", c.name(), c.guarantee(),
                        c.records(), c.recordsPerSecond(), c.mbPerSecond(), c.cpuUsPerRecord() < 0 ? "-"
                                : String.format(Locale.ROOT, "%,.1f", c.cpuUsPerRecord())));
            } else {
                sb.append(String.format(Locale.ROOT, "%-20s %-16s FAILED: %s%n", c.name(), c.guarantee(), c.failure()));
            }
        }
        sb.append('\n');
        for (String guarantee : Bench.GUARANTEES) {
            sb.append(ratio("sluice.passthrough / floor.avro ", "sluice.passthrough", "floor.avro", guarantee));
            sb.append(ratio("sluice.passthrough / floor.bytes", "sluice.passthrough", "floor.bytes", guarantee));
        }
        sb.append(String.format(Locale.ROOT, "%n%-20s %-16s %6s %9s %9s %9s %9s%n", "latency", "guarantee", "rate/s",
                "p50 ms", "p90 ms", "p99 ms", "max ms"));
        for (Latency l : latency) {
            sb.append(String.format(Locale.ROOT, "%-20s %-16s %6d %9.1f %9.1f %9.1f %9.1f%s%n", l.name(), l.guarantee(),
                    l.rate(), l.p50Ms(), l.p90Ms(), l.p99Ms(), l.maxMs(), l.failure() == null ? "" : "  FAILED: " + l.failure()));
        }
        sb.append(String.format(Locale.ROOT, "%nmemory of the Sluice side (its own JVM, java %s; the load clients, floors"
                + " and broker run apart): ", memory.javaOptions()));
        sb.append(memory.peakRssMb() < 0 ? String.format("not measured%n") : String.format(Locale.ROOT,
                "peak RSS %.0f MiB, peak heap %.0f MiB%n", memory.peakRssMb(), memory.peakHeapMb()));
        return sb.toString();
    }

    private String ratio(String label, String top, String bottom, String guarantee) {
        Optional<Case> a = find(top, guarantee);
        Optional<Case> b = find(bottom, guarantee);
        boolean ran = cases.stream().anyMatch(c -> c.guarantee().equals(guarantee) && c.name().equals(top))
                && cases.stream().anyMatch(c -> c.guarantee().equals(guarantee) && c.name().equals(bottom));
        if (!ran) {
            return "";
        }
        if (a.isEmpty() || b.isEmpty()) {
            return String.format(Locale.ROOT, "%s  %-16s  n/a (a case failed)%n", label, guarantee);
        }
        return String.format(Locale.ROOT, "%s  %-16s  %.2f%n", label, guarantee,
                a.get().recordsPerSecond() / b.get().recordsPerSecond());
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
            if (c.failure() != null) {
                m.put("failed", c.failure());
            }
            return m;
        }).toList());
        json.put("latency", latency.stream().map(l -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", l.name());
            m.put("guarantee", l.guarantee());
            m.put("rate", l.rate());
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
