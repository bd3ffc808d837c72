package dev.sluice.topology.stage;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * When and how often a stage is tried again after it throws: up to {@link #maxAttempts()} attempts
 * in all, the n-th retry after {@code initialBackoff * multiplier^(n-1)}, capped at
 * {@code maxBackoff}, each spread by a random {@code ±jitter} share of itself, and only for the
 * errors it {@link #retries(Throwable) retries} (every {@link Exception} unless {@link #retryOn}
 * narrows it; never an {@link Error}).
 *
 * <p>A job waiting for a retry waits in a store of the stage, not on the stream thread: other jobs
 * go on meanwhile, and the wait survives a restart. The attempt count is in the job's result.
 *
 * <pre>{@code
 * RetryPolicy.attempts(5).backoff(Duration.ofMillis(200), Duration.ofSeconds(5)).retryOn(IOException.class)
 * }</pre>
 */
public final class RetryPolicy {

    /** The policy of a stage that declares none: one attempt. */
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ofMillis(100), Duration.ofSeconds(10), 2.0, 0.2,
            List.of());

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final double multiplier;
    private final double jitter;
    private final List<Class<? extends Throwable>> retryOn;

    private RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier, double jitter,
                        List<Class<? extends Throwable>> retryOn) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, was " + maxAttempts);
        }
        if (initialBackoff.isNegative() || initialBackoff.isZero()) {
            throw new IllegalArgumentException("backoff must be positive, was " + initialBackoff);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("max backoff (" + maxBackoff + ") must be at least the backoff ("
                    + initialBackoff + ")");
        }
        if (!(multiplier >= 1.0)) {
            throw new IllegalArgumentException("multiplier must be at least 1, was " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter < 1.0)) {
            throw new IllegalArgumentException("jitter must be at least 0 and below 1, was " + jitter);
        }
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.multiplier = multiplier;
        this.jitter = jitter;
        this.retryOn = List.copyOf(retryOn);
    }

    /**
     * Up to {@code maxAttempts} attempts in all (1 means no retry), with the default backoff: 100 ms,
     * doubling, capped at 10 s, jitter 0.2.
     */
    public static RetryPolicy attempts(int maxAttempts) {
        return NONE.withAttempts(maxAttempts);
    }

    private RetryPolicy withAttempts(int attempts) {
        return new RetryPolicy(attempts, initialBackoff, maxBackoff, multiplier, jitter, retryOn);
    }

    /** The wait before the first retry, and the most any retry waits. */
    public RetryPolicy backoff(Duration initial, Duration max) {
        return new RetryPolicy(maxAttempts, Objects.requireNonNull(initial, "initial"), Objects.requireNonNull(max, "max"),
                multiplier, jitter, retryOn);
    }

    /** How much longer each retry waits than the one before (at least 1; 2 by default). */
    public RetryPolicy multiplier(double factor) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, factor, jitter, retryOn);
    }

    /** The share of each wait, at random either way, that it may differ by (0 to below 1; 0.2 by default). */
    public RetryPolicy jitter(double share) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, share, retryOn);
    }

    /** Retries only errors of these types (and their subtypes); every exception by default. */
    @SafeVarargs
    public final RetryPolicy retryOn(Class<? extends Throwable>... types) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, List.of(types));
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration initialBackoff() {
        return initialBackoff;
    }

    public Duration maxBackoff() {
        return maxBackoff;
    }

    public double multiplier() {
        return multiplier;
    }

    public double jitter() {
        return jitter;
    }

    /** The error types retried; empty for every exception. */
    public List<Class<? extends Throwable>> retryOn() {
        return retryOn;
    }

    /** Whether the policy allows any retry at all. */
    public boolean retriesAny() {
        return maxAttempts > 1;
    }

    /** Whether {@code error}, thrown by attempt {@code attemptsMade}, is tried again. */
    public boolean retries(Throwable error, int attemptsMade) {
        if (attemptsMade >= maxAttempts || !(error instanceof Exception)) {
            return false;
        }
        if (retryOn.isEmpty()) {
            return true;
        }
        for (Class<? extends Throwable> type : retryOn) {
            if (type.isInstance(error)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The wait after attempt {@code attemptsMade} (1 for the first) failed, with {@code random} in
     * [0, 1) drawing the jitter.
     */
    public Duration delay(int attemptsMade, double random) {
        double base = initialBackoff.toMillis() * Math.pow(multiplier, Math.max(0, attemptsMade - 1));
        double capped = Math.min(base, maxBackoff.toMillis());
        double spread = capped * jitter * (2 * random - 1);
        return Duration.ofMillis(Math.max(1, Math.round(capped + spread)));
    }

    /** The longest a job can wait for all its retries together: every wait at its cap plus full jitter. */
    public Duration longestWait() {
        long total = 0;
        for (int made = 1; made < maxAttempts; made++) {
            double base = initialBackoff.toMillis() * Math.pow(multiplier, made - 1);
            total += Math.round(Math.min(base, maxBackoff.toMillis()) * (1 + jitter));
        }
        return Duration.ofMillis(total);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetryPolicy p && maxAttempts == p.maxAttempts && initialBackoff.equals(p.initialBackoff)
                && maxBackoff.equals(p.maxBackoff) && multiplier == p.multiplier && jitter == p.jitter
                && retryOn.equals(p.retryOn);
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, retryOn);
    }

    @Override
    public String toString() {
        if (!retriesAny()) {
            return "no retries";
        }
        return maxAttempts + " attempts, backoff " + initialBackoff.toMillis() + " ms x" + multiplier + " up to "
                + maxBackoff.toMillis() + " ms, jitter " + jitter
                + (retryOn.isEmpty() ? "" : ", on " + retryOn.stream().map(Class::getSimpleName).toList());
    }
}
