package dev.sluice.app.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The soak's arithmetic: the fitted slopes, what counts as flat, and what a sample carries between the JVMs. */
class SoakTest {

    @TempDir
    Path dir;

    private static List<Soak.Sample> line(double startMib, double mibPerHour, int samples) {
        List<Soak.Sample> each = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            double seconds = i * 10.0;
            long rss = (long) ((startMib + mibPerHour * seconds / 3600) * 1024 * 1024);
            each.add(new Soak.Sample(seconds, new Resources(rss, 0, 0, 0, 40, 100, 0, Map.of())));
        }
        return each;
    }

    @Test
    void shouldFitTheSlopeOfAResourceThatGrowsAndCallItGrowing() {
        Soak.Trend trend = Soak.Trend.of("RSS", "MiB", line(400, 120, 181), r -> r.rssBytes() / (1024.0 * 1024.0));
        assertThat(trend.perHour()).isCloseTo(120, within(0.5));
        assertThat(trend.first()).isCloseTo(400, within(0.01));
        assertThat(trend.last()).isCloseTo(460, within(0.01));
        assertThat(trend.flat()).isFalse();
    }

    @Test
    void shouldCallAResourceFlatWhenItsHourlyChangeIsWithinFivePercentOfItsMean() {
        assertThat(Soak.Trend.of("RSS", "MiB", line(400, 15, 181), r -> r.rssBytes() / (1024.0 * 1024.0)).flat())
                .isTrue();
        assertThat(Soak.Trend.of("RSS", "MiB", line(400, 25, 181), r -> r.rssBytes() / (1024.0 * 1024.0)).flat())
                .isFalse();
        // a saw-tooth around a level: each tooth up, then down again
        List<Soak.Sample> saw = new ArrayList<>();
        for (int i = 0; i < 180; i++) {
            saw.add(new Soak.Sample(i * 10.0, new Resources((300L + (i % 6) * 20) << 20, 0, 0, 0, 40, 100, 0, Map.of())));
        }
        assertThat(Soak.Trend.of("RSS", "MiB", saw, r -> r.rssBytes() / (1024.0 * 1024.0)).flat()).isTrue();
        // a count that stays the same is flat, one more thread every ten minutes is not
        assertThat(Soak.Trend.of("threads", "", line(400, 0, 181), Resources::threads).perHour()).isZero();
        List<Soak.Sample> leaking = new ArrayList<>();
        for (int i = 0; i < 181; i++) {
            leaking.add(new Soak.Sample(i * 10.0, new Resources(0, 0, 0, 0, 40 + i / 60, 100, 0, Map.of())));
        }
        assertThat(Soak.Trend.of("threads", "", leaking, Resources::threads).flat()).isFalse();
    }

    @Test
    void shouldCallASawToothFlatWhateverItsPhaseUnlessItsTeethRise() {
        // the state directory between merges: 20 MiB up to 50 and back, every ten minutes, over 20 minutes
        // ending half-way up a tooth, where a fitted line slopes upwards
        List<Soak.Sample> level = new ArrayList<>();
        List<Soak.Sample> rising = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            double tooth = 20 + (i % 60) * 0.5;
            level.add(new Soak.Sample(i * 10.0, new Resources(0, 0, 0, 0, 40, 100, (long) (tooth * (1 << 20)), Map.of())));
            double leak = tooth + i * 0.1; // 36 MiB an hour more, under the teeth
            rising.add(new Soak.Sample(i * 10.0, new Resources(0, 0, 0, 0, 40, 100, (long) (leak * (1 << 20)), Map.of())));
        }
        Soak.Trend teeth = Soak.Trend.of("state directory", "MiB", level, r -> r.stateBytes() / (1024.0 * 1024.0));
        assertThat(Math.abs(teeth.perHour())).as("the fitted slope alone says it moves")
                .isGreaterThan(0.05 * teeth.mean());
        assertThat(teeth.flat()).isTrue();
        assertThat(Soak.Trend.of("state directory", "MiB", rising, r -> r.stateBytes() / (1024.0 * 1024.0)).flat())
                .isFalse();
    }

    @Test
    void shouldCarryASampleAcrossAsOneLine() {
        Resources sample = new Resources(512L << 20, 80L << 20, 256L << 20, -1, 71, 230, 9L << 20, Map.of("sluice.status", 4096L,
                "bulk.assemble-parts", 123L));
        assertThat(Resources.parse(sample.line())).isEqualTo(sample);
        Resources none = new Resources(1, 2, 3, 4, 5, 6, 7, Map.of());
        assertThat(Resources.parse(none.line())).isEqualTo(none);
    }

    @Test
    void shouldCountTheBytesUnderTheStateDirectory() throws Exception {
        write(dir.resolve("app/0_0/rocksdb/sluice.status/000010.sst"), 100);
        write(dir.resolve("app/0_1/ingest.ids/ingest.ids.1700000000000/000012.sst"), 7);
        write(dir.resolve("app/0_1/.checkpoint"), 9);
        assertThat(Resources.bytesUnder(dir)).isEqualTo(116);
        assertThat(Resources.bytesUnder(dir.resolve("none"))).isZero();
    }

    @Test
    void shouldKeepTracesForAQuarterOfTheRunBetweenOneAndFiveMinutes() {
        assertThat(Soak.window(Duration.ofMinutes(30))).isEqualTo(Duration.ofMinutes(5));
        assertThat(Soak.window(Duration.ofMinutes(12))).isEqualTo(Duration.ofMinutes(3));
        assertThat(Soak.window(Duration.ofSeconds(30))).isEqualTo(Duration.ofMinutes(1));
        assertThat(Soak.every(Duration.ofMinutes(30))).isEqualTo(Duration.ofSeconds(10));
        assertThat(Soak.every(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(2));
        // trends over the second half
        assertThat(Soak.settledSeconds(Duration.ofMinutes(30))).isEqualTo(900);
        assertThat(Soak.settledSeconds(Duration.ofSeconds(30))).isEqualTo(15);
    }

    private static void write(Path file, int bytes) throws Exception {
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[bytes]);
    }
}
