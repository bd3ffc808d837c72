package dev.sluice.app.bench;

import java.util.List;
import java.util.Set;

/**
 * What the benchmark runs: how many records, of what size, over how many partitions; the latency
 * load; which cases ({@code cases} empty: all of them); and the options of the JVM that runs
 * Sluice's applications.
 */
record BenchSettings(int records, int partitions, short replicationFactor, int documentBytes, int latencyRate,
                     int latencySeconds, boolean quick, Set<String> cases, List<String> appJavaOptions) {

    /** Every case's name, in the order the benchmark runs them. */
    static final List<String> CASES = List.of("limit.produce", "limit.consume", "limit.ingest", "floor.bytes",
            "floor.avro", "floor.ingest", "sluice.passthrough", "sluice.ingest", "sluice.ingest.bare", "sluice.async",
            "sluice.async.sync");

    BenchSettings {
        cases = Set.copyOf(cases);
        appJavaOptions = List.copyOf(appJavaOptions);
        for (String name : cases) {
            if (!CASES.contains(name)) {
                throw new IllegalArgumentException("no bench case " + name + "; the cases are " + String.join(", ", CASES));
            }
        }
    }

    /**
     * Jobs in the ingest graph's throughput case: a fortieth of {@link #records}. Each job is a
     * document cut into several chunks that pass six stages, so it is many records' work.
     */
    int ingestJobs() {
        return Math.max(1, records / 40);
    }

    /** Jobs in the asynchronous stage's case: a fifth of {@link #records}. */
    int asyncJobs() {
        return Math.max(1, records / 5);
    }

    /**
     * Jobs in the synchronous stage's case: a four-hundredth of {@link #records}, at least 50; one call
     * at a time per stream thread makes it slow.
     */
    int syncJobs() {
        return Math.max(50, records / 400);
    }

    /** Seconds of load before a latency run starts counting: the JIT and the clients settle. */
    int latencyWarmUpSeconds() {
        return quick ? 2 : 5;
    }

    boolean runs(String name) {
        return cases.isEmpty() || cases.contains(name);
    }
}
