package dev.sluice.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CallRateTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void shouldSpaceTheStartsEvenlyAtItsRate() {
        CallRate rate = new CallRate(4);
        long now = 10 * SECOND;
        assertThat(rate.reserve(now)).isZero();
        assertThat(rate.reserve(now)).isEqualTo(SECOND / 4);
        assertThat(rate.reserve(now)).isEqualTo(SECOND / 2);
        assertThat(rate.reserve(now + SECOND)).as("a start after a pause waits for none").isZero();
    }

    @Test
    void shouldLetEveryCallStartAtOnceWithoutALimit() {
        CallRate rate = new CallRate(0);
        for (int i = 0; i < 1_000; i++) {
            assertThat(rate.reserve(SECOND + i)).isZero();
        }
        assertThat(rate.current()).isZero();
    }

    @Test
    void shouldHoldEveryStartBackHalveTheRateOnceAndRaiseItAgainAsCallsSucceed() {
        CallRate rate = new CallRate(100);
        long now = 10 * SECOND;
        rate.slowDown(now, 2 * SECOND);
        rate.slowDown(now + 1, 2 * SECOND); // the other calls in flight hear the same slow-down
        assertThat(rate.current()).isEqualTo(50);
        assertThat(rate.throttled()).isEqualTo(2);
        assertThat(rate.reserve(now + SECOND)).as("held back until the later wait is over").isEqualTo(SECOND + 1);
        for (int i = 0; i < 100; i++) {
            rate.succeeded();
        }
        assertThat(rate.current()).isEqualTo(70, org.assertj.core.data.Offset.offset(1e-9));
        for (int i = 0; i < 1_000; i++) {
            rate.succeeded();
        }
        assertThat(rate.current()).as("never above its limit").isEqualTo(100);
    }

    @Test
    void shouldLimitAStageWithoutARateAfterASlowDownUntilItHasRecovered() {
        CallRate rate = new CallRate(0);
        long now = 10 * SECOND;
        for (int i = 0; i < 40; i++) {
            rate.reserve(now + i * (SECOND / 20)); // 20 calls a second for two seconds
        }
        long then = now + 2 * SECOND;
        rate.slowDown(then, SECOND);
        assertThat(rate.current()).isEqualTo(10);
        assertThat(rate.reserve(then)).isEqualTo(SECOND);
        int successes = 0;
        while (rate.current() != 0 && successes < 10_000) {
            rate.succeeded();
            successes++;
        }
        assertThat(rate.current()).as("no limit once the rate is twice what the calls started at").isZero();
        assertThat(successes).isEqualTo(150);
    }
}
