package dev.sluice.topology.stage;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

/**
 * What an {@link AsyncStage}'s call completes with (or throws) when the service says "slow down", as an
 * HTTP 429 or 503 with {@code Retry-After} does. It is not a failure and spends no retry attempt: the
 * stage waits at least {@link #retryAfter()} before any of its calls, lowers its rate, calls again,
 * and raises its rate again as calls succeed. A job whose calls are slowed down past its stage's
 * longest retry wait fails, naming this exception.
 */
public class SlowDown extends Exception {

    private static final long serialVersionUID = 1L;

    private final Duration retryAfter;

    /** The service asked to wait {@code retryAfter} (zero: as long as the stage's backoff says). */
    public SlowDown(Duration retryAfter, String message) {
        super(message);
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative, was " + retryAfter);
        }
    }

    /**
     * The slow-down an HTTP answer asks for, if it does: a 429 (Too Many Requests), or a 503 (Service
     * Unavailable) with a {@code Retry-After} header, which may be seconds or an HTTP date; a date in
     * the past, or a 429 without the header, asks for no particular wait.
     *
     * @param retryAfter the answer's {@code Retry-After} header, or null
     */
    public static Optional<SlowDown> ofHttp(int status, String retryAfter) {
        if (status != 429 && (status != 503 || retryAfter == null)) {
            return Optional.empty();
        }
        Duration wait = Duration.ZERO;
        if (retryAfter != null && !retryAfter.isBlank()) {
            String value = retryAfter.trim();
            try {
                wait = Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
            } catch (NumberFormatException notSeconds) {
                try {
                    Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                    Duration until = Duration.between(Instant.now(), at);
                    wait = until.isNegative() ? Duration.ZERO : until;
                } catch (DateTimeParseException notADate) {
                    // a header that says nothing usable: the stage's own backoff
                }
            }
        }
        return Optional.of(new SlowDown(wait, "HTTP " + status + (retryAfter == null ? "" : ", Retry-After: "
                + retryAfter.trim())));
    }

    /** How long the service asked the stage to wait. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
