package dev.sluice.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CancellationsTest {

    private static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");

    @Test
    void shouldForgetCancelsPastTheirRetentionSoThatTheyDoNotGrowWithoutBound() {
        Cancellations cancellations = new Cancellations(Duration.ofHours(1));
        for (int i = 0; i < 10_000; i++) {
            assertThat(cancellations.cancel("old-" + i, T0, T0.toEpochMilli())).isTrue();
        }
        assertThat(cancellations.cancelled("old-1", T0, "embed")).isNotNull();
        long later = T0.plus(Duration.ofHours(2)).toEpochMilli();
        for (int i = 0; i < Cancellations.SWEEP_EVERY; i++) {
            cancellations.cancel("new-" + i, Instant.ofEpochMilli(later), later);
        }
        assertThat(cancellations.size()).as("only the cancels within the hour").isLessThanOrEqualTo(Cancellations.SWEEP_EVERY);
        assertThat(cancellations.cancelled("old-1", T0, "embed")).isNull();
        assertThat(cancellations.cancelled("new-1", Instant.ofEpochMilli(later), "embed")).isNotNull();
    }

    @Test
    void shouldNotTakeACancelThatArrivesPastItsRetention() {
        Cancellations cancellations = new Cancellations(Duration.ofHours(1));
        long now = T0.plus(Duration.ofDays(8)).toEpochMilli();
        assertThat(cancellations.cancel("stale", T0, now)).isFalse();
        assertThat(cancellations.size()).isZero();
    }
}
