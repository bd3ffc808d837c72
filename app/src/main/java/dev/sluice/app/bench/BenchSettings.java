package dev.sluice.app.bench;

/** What the benchmark runs: how many records, of what size, over how many partitions; the latency load. */
record BenchSettings(int records, int partitions, short replicationFactor, int documentBytes, int latencyRate,
                     int latencySeconds, boolean quick) {
}
