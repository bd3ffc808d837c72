package dev.sluice.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {

    @TempDir
    Path dir;

    private static BenchReport report() {
        BenchSettings settings = new BenchSettings(1000, 3, (short) 1, 4096, 100, 2, false, Set.of(), List.of());
        return new BenchReport(BenchReport.Machine.current(settings, "127.0.0.1:9092"), List.of(
                BenchReport.Case.timed("floor.bytes", "at_least_once", 1000, 4_000_000, 0.5),
                BenchReport.Case.timed("floor.avro", "at_least_once", 1000, 4_000_000, 1.0),
                BenchReport.Case.timed("sluice.passthrough", "at_least_once", 1000, 4_000_000, 1.25).withCpu(87.25)
                        .withRetries(12),
                BenchReport.Case.failed("sluice.ingest", "at_least_once", 998, "counted 998 committed outputs for 1000 inputs"),
                BenchReport.Case.failed("floor.avro", "exactly_once_v2", 0, "counted 0 committed outputs for 1000 inputs"),
                BenchReport.Case.timed("sluice.passthrough", "exactly_once_v2", 1000, 4_000_000, 2.0),
                BenchReport.Case.timed("limit.ingest", "-", 100, 400_000, 0.02).withCpu(200),
                BenchReport.Case.timed("floor.ingest", "exactly_once_v2", 100, 400_000, 0.1).withCpu(500),
                BenchReport.Case.timed("sluice.ingest", "exactly_once_v2", 100, 400_000, 0.2).withCpu(900)),
                List.of(new BenchReport.Latency("sluice.passthrough", "at_least_once", 100, 200, 1.5, 2.5, 9.0, 12.0, null),
                        new BenchReport.Latency("sluice.ingest", "exactly_once_v2", 250, 500, 150, 200, 240, 260, null, 500)),
                new BenchReport.Memory(400.0, 120.0, "-Xmx512m"));
    }

    @Test
    void shouldWriteTheJsonShapeTheIssueAsksFor() throws IOException {
        Path file = dir.resolve("bench.json");
        report().writeJson(file);
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertThat(json.get("machine").get("cores").asInt()).isPositive();
        JsonNode passthrough = json.get("cases").get(2);
        assertThat(passthrough.get("name").asText()).isEqualTo("sluice.passthrough");
        assertThat(passthrough.get("guarantee").asText()).isEqualTo("at_least_once");
        assertThat(passthrough.get("records").asLong()).isEqualTo(1000);
        assertThat(passthrough.get("records_per_s").asDouble()).isEqualTo(800.0);
        assertThat(passthrough.get("mb_per_s").asDouble()).isEqualTo(3.2);
        assertThat(passthrough.get("cpu_us_per_record").asDouble()).isEqualTo(87.3);
        assertThat(passthrough.get("producer_retries").asLong()).isEqualTo(12);
        assertThat(json.get("cases").get(0).has("cpu_us_per_record")).as("not measured: left out").isFalse();
        assertThat(json.get("cases").get(0).has("producer_retries")).as("not measured: left out").isFalse();
        assertThat(json.get("cases").get(3).get("failed").asText()).contains("998");
        JsonNode latency = json.get("latency").get(0);
        assertThat(latency.get("rate").asInt()).isEqualTo(100);
        assertThat(latency.get("p99_ms").asDouble()).isEqualTo(9.0);
        assertThat(latency.get("max_ms").asDouble()).isEqualTo(12.0);
        assertThat(json.get("memory").get("peak_rss_mb").asDouble()).isEqualTo(400.0);
        assertThat(json.get("memory").get("peak_heap_mb").asDouble()).isEqualTo(120.0);
    }

    @Test
    void shouldPrintTheRatiosPlainlyAndNameFailedCases() {
        String table = report().table();
        assertThat(table)
                .containsPattern("sluice.passthrough / floor.avro +at_least_once +0.80 +- +records/s >= 1.20: MISSED\n")
                .containsPattern("sluice.passthrough / floor.bytes +at_least_once +0.40 +- +records/s >= 1.00: MISSED\n")
                .containsPattern("sluice.ingest / floor.ingest +exactly_once_v2 +0.50 +1.80 +records/s >= 0.80: MISSED\n")
                .containsPattern("sluice.ingest / limit.ingest +exactly_once_v2 +0.10 +4.50 +CPU <= 2.00: MISSED\n")
                .as("a ratio of a case that did not run under a guarantee is left out")
                .doesNotContain("sluice.ingest / floor.ingest       at_least_once")
                .contains("sluice.ingest        at_least_once    FAILED: counted 998")
                .containsPattern("sluice.passthrough +at_least_once +1,000 +800 +3.2 +87.3 +12\n")
                .containsPattern("floor.bytes +at_least_once +1,000 +2,000 +8.0 +- +-\n")
                .containsPattern("sluice.passthrough / floor.avro +exactly_once_v2 +n/a \\(a case failed\\)")
                .as("a ratio of a case that did not run (bench --cases) is left out")
                .doesNotContain("floor.bytes  exactly_once_v2")
                .as("a latency run that fell behind and ran again at half the rate says so")
                .containsPattern("sluice.ingest +exactly_once_v2 +250 \\(behind at 500\\) +150.0 +200.0 +240.0 +260.0 +p99 <= 250 ms: met");
    }

    @Test
    void shouldCallARunWhoseLatencyGrowsWithItBehind() {
        long[] steady = new long[300];
        long[] growing = new long[300];
        for (int i = 0; i < steady.length; i++) {
            steady[i] = 150_000 + (i % 7) * 20_000; // 150 to 270 ms, all the way
            growing[i] = 150_000 + i * 2_000L; // 150 ms at first, 750 ms at the end: a backlog
        }
        assertThat(Bench.keptUp(steady)).isTrue();
        assertThat(Bench.keptUp(growing)).isFalse();
        assertThat(Bench.keptUp(new long[2])).as("too few jobs to tell").isTrue();
    }

    @Test
    void shouldWriteTheTablesBetweenThePageMarkersAndLeaveTheProse() {
        String page = "# Performance\n\nprose\n\n" + PageTables.BEGIN + "\nold figures\n" + PageTables.END
                + "\n\nmore prose\n";
        String tables = report().markdown("sluice bench --quick", "0123456789ab", "2026-12-07");
        String written = PageTables.spliced(page, tables);
        assertThat(written).startsWith("# Performance\n\nprose\n\n" + PageTables.BEGIN + "\n")
                .endsWith(PageTables.END + "\n\nmore prose\n").doesNotContain("old figures")
                .contains("Measured by `sluice bench --quick` at commit `0123456789ab` on 2026-12-07")
                .contains("| sluice.passthrough | at_least_once | 1,000 | 800 | 3.2 | 87.3 | 12 |")
                .contains("| sluice.ingest / floor.ingest | exactly_once_v2 | 0.50 | 1.80 | records/s >= 0.80: MISSED |")
                .contains("| sluice.passthrough | at_least_once | 100 | 1.5 | 2.5 | 9.0 | 12.0 | p99 <= 25 ms: met |")
                .contains("peak RSS 400 MiB (target <= 400 MiB: met)");
        assertThat(PageTables.spliced(null, tables)).isEqualTo(tables);
        assertThat(PageTables.spliced("no markers\n", tables)).isEqualTo(tables);
    }
}
