package dev.sluice.topology.stage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class SlowDownTest {

    @Test
    void shouldReadA429Or503WithRetryAfterAsASlowDown() {
        assertThat(SlowDown.ofHttp(429, "7")).hasValueSatisfying(s -> assertThat(s.retryAfter()).isEqualTo(Duration.ofSeconds(7)));
        assertThat(SlowDown.ofHttp(429, null)).hasValueSatisfying(s -> assertThat(s.retryAfter()).isZero());
        assertThat(SlowDown.ofHttp(429, "soon")).hasValueSatisfying(s -> assertThat(s.retryAfter()).isZero());
        assertThat(SlowDown.ofHttp(503, " 2 ")).hasValueSatisfying(s -> {
            assertThat(s.retryAfter()).isEqualTo(Duration.ofSeconds(2));
            assertThat(s.getMessage()).isEqualTo("HTTP 503, Retry-After: 2");
        });
        String inAMinute = ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(60).format(DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(SlowDown.ofHttp(503, inAMinute)).hasValueSatisfying(s -> assertThat(s.retryAfter())
                .isBetween(Duration.ofSeconds(55), Duration.ofSeconds(60)));
        String past = ZonedDateTime.now(ZoneOffset.UTC).minusSeconds(60).format(DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(SlowDown.ofHttp(503, past)).hasValueSatisfying(s -> assertThat(s.retryAfter()).isZero());
    }

    @Test
    void shouldNotReadOtherAnswersAsASlowDown() {
        assertThat(SlowDown.ofHttp(503, null)).as("a 503 without Retry-After is a failure").isEmpty();
        assertThat(SlowDown.ofHttp(500, "3")).isEmpty();
        assertThat(SlowDown.ofHttp(200, null)).isEmpty();
    }
}
