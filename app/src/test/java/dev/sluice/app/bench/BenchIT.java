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
            // the applications' own CPU cost is measured in their JVMs; the limits run no application
            assertThat(c.has("cpu_us_per_record")).as("CPU of %s", c.get("name"))
                    .isEqualTo(!c.get("name").asText().startsWith("limit."));
            measured.add(c.get("name").asText() + "/" + c.get("guarantee").asText());
        }
        for (String guarantee : Bench.GUARANTEES) {
            for (String name : BenchSettings.CASES) {
                assertThat(measured).contains(name + "/" + guarantee);
            }
        }
        assertThat(report.get("cases")).filteredOn(c -> c.get("name").asText().equals("sluice.ingest"))
                .allSatisfy(c -> assertThat(c.get("records").asInt()).isEqualTo(100));
        assertThat(report.get("latency")).hasSize(4).allSatisfy(l -> {
            assertThat(l.has("failed")).as("latency %s: %s", l.get("name"), l.get("failed")).isFalse();
            assertThat(l.get("p99_ms").asDouble()).isGreaterThanOrEqualTo(l.get("p50_ms").asDouble()).isPositive();
        });
        assertThat(report.get("memory").get("peak_rss_mb").asDouble()).isPositive();
    }
}
