package dev.sluice.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code sluice bench} end to end on a small load, with its broker in a process of its own as users
 * run it: every case and latency run completes with its count checked, and the JSON says so. The
 * figures themselves are not asserted; they belong to the bench's report, not to a test.
 */
class BenchIT {

    @TempDir
    Path dir;

    @Test
    void shouldMeasureEveryCaseAndWriteTheJson() throws Exception {
        Path json = dir.resolve("bench.json");
        int exit = new CommandLine(new BenchCommand()).execute("--records", "4000", "--latency-rate", "100",
                "--latency-seconds", "1", "--json", json.toString());
        assertThat(exit).isZero();

        JsonNode report = new ObjectMapper().readTree(json.toFile());
        List<String> measured = new ArrayList<>();
        for (JsonNode c : report.get("cases")) {
            assertThat(c.has("failed")).as("%s failed: %s", c.get("name"), c.get("failed")).isFalse();
            assertThat(c.get("records_per_s").asDouble()).isPositive();
            // the applications' own CPU cost is measured in their JVMs, the ingest loop's on its thread; the
            // producer and consumer limits run no application, and the async stage's bound is worked out
            assertThat(c.has("cpu_us_per_record")).as("CPU of %s", c.get("name"))
                    .isEqualTo(!c.get("name").asText().matches("limit\\.(produce|consume)|bound\\.async"));
            // each application's producers' resends are counted, whatever their number
            assertThat(c.has("producer_retries")).as("retries of %s", c.get("name"))
                    .isEqualTo(c.get("name").asText().matches("(floor|sluice)\\..*"));
            measured.add(c.get("name").asText() + "/" + c.get("guarantee").asText());
        }
        for (String name : BenchSettings.CASES) {
            if (name.equals(Bench.LIMIT_INGEST)) {
                assertThat(measured).contains(name + "/" + Bench.NO_GUARANTEE);
                continue;
            }
            for (String guarantee : Bench.GUARANTEES) {
                assertThat(measured).contains(name + "/" + guarantee);
            }
        }
        assertThat(report.get("cases")).filteredOn(c -> c.get("name").asText().matches(".*\\.ingest.*"))
                .hasSize(7).allSatisfy(c -> assertThat(c.get("records").asInt()).isEqualTo(100));
        // each target's ratio, per guarantee, with whether it was met
        assertThat(report.get("ratios")).hasSize(2 * BenchReport.TARGETS.size()).allSatisfy(r -> {
            assertThat(r.has("failed")).as("%s", r).isFalse();
            assertThat(r.get("records_per_s").asDouble()).isPositive();
            assertThat(r.has("cpu_per_record")).as("%s", r).isEqualTo(!r.get("ratio").asText().endsWith(Bench.ASYNC_BOUND));
            assertThat(r.has("met")).isTrue();
        });
        assertThat(report.get("cases")).filteredOn(c -> c.get("name").asText().equals(Bench.ASYNC_BOUND))
                .hasSize(2).allSatisfy(c -> assertThat(c.get("records_per_s").asDouble())
                        .isPositive().isLessThanOrEqualTo(BenchCalls.bound(3)));
        // the hand-written floor through the same client, then Sluice's pass-through and ingest graph
        assertThat(report.get("latency")).extracting(l -> l.get("name").asText()).containsExactly(
                "floor.avro", "floor.avro", "sluice.passthrough", "sluice.passthrough", "floor.ingest",
                "floor.ingest", "sluice.ingest", "sluice.ingest");
        assertThat(report.get("latency")).allSatisfy(l -> {
            assertThat(l.has("failed")).as("latency %s: %s", l.get("name"), l.get("failed")).isFalse();
            assertThat(l.get("p99_ms").asDouble()).isGreaterThanOrEqualTo(l.get("p50_ms").asDouble()).isPositive();
        });
        assertThat(report.get("memory").get("peak_rss_mb").asDouble()).isPositive();
    }

    @Test
    void shouldSoakTheIngestGraphSamplingItsResources() throws Exception {
        Path json = dir.resolve("soak.json");
        int exit = new CommandLine(new BenchCommand()).execute("--soak", "30s", "--soak-rate", "50",
                "--json", json.toString());
        assertThat(exit).isZero();

        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.get("failure").isNull()).as("%s", report.get("failure")).isTrue();
        long submitted = report.get("submitted").asLong();
        assertThat(submitted).isBetween(1_000L, 1_600L);
        assertThat(report.get("cancelled").asLong()).isPositive();
        assertThat(report.get("completed").asLong() + report.get("cancelled").asLong()).isEqualTo(submitted);
        // a sample every 2 s; the Sluice worker's own resources, its stores among them
        assertThat(report.get("samples").size()).isBetween(10, 16);
        assertThat(report.get("samples")).allSatisfy(s -> {
            assertThat(s.get("rssBytes").asLong()).isGreaterThan(s.get("heapBytes").asLong()).isPositive();
            assertThat(s.get("threads").asInt()).isGreaterThan(10);
            assertThat(s.get("openFiles").asInt()).isGreaterThan(10);
        });
        JsonNode last = report.get("samples").get(report.get("samples").size() - 1);
        assertThat(last.get("stateBytes").asLong()).isPositive();
        // the stores share one RocksDB cache of rocksdb.memory.max.bytes (64 MiB), which holds some blocks
        assertThat(last.get("rocksDbBytes").asLong()).isPositive().isLessThan(80L << 20);
        assertThat(last.get("heapCommittedBytes").asLong()).isGreaterThanOrEqualTo(last.get("heapBytes").asLong());
        assertThat(last.get("storeKeys").get("sluice.status").asLong()).as("%s", last).isPositive();
        List<String> trends = new ArrayList<>();
        report.get("trends").forEach(t -> trends.add(t.get("name").asText()));
        assertThat(trends).contains("RSS", "heap after GC", "heap committed", "RocksDB cache", "threads", "open files", "state directory",
                "keys in all stores", "keys in sluice.status");
    }
}
