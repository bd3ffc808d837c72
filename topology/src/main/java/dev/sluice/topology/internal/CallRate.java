package dev.sluice.topology.internal;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * When the calls of one asynchronous stage may start, in one instance: shared by the stage's tasks on
 * every stream thread. With a configured rate it spaces the starts evenly (a call reserves the next
 * free instant); a service that says "slow down" holds every start back for as long as it asked and
 * halves the rate (from the configured one, or, without one, from the rate the calls were starting
 * at), and each call that succeeds raises it by {@value #RAISE} calls per second, so that the rate
 * grows by about a fifth each second until it is back where it was: additive increase and
 * multiplicative decrease, as TCP does. Without a configured rate, once the rate it recovers to is
 * twice the rate the calls start at, it lets go of the limit.
 */
final class CallRate {

    /** Each registry's stages' rates: the segments of one instance (its lanes' copies) share a stage's. */
    private static final Map<MeterRegistry, Map<String, CallRate>> SHARED = new WeakHashMap<>();

    /** What one success adds to a lowered rate, in calls per second. */
    static final double RAISE = 0.2;
    /** The lowest a slow-down takes the rate, in calls per second. */
    static final double FLOOR = 0.5;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    /** The rate the user set; 0 for none. */
    private final double configured;
    /** The rate in force, in calls per second; 0 for none. */
    private double limit;
    /** The earliest instant (System.nanoTime) the next call may start. */
    private long next;
    /** Until when a slow-down holds every start back. */
    private long pausedUntil;
    /** When the rate was last halved: calls in flight at once all hear the same "slow down". */
    private long lastHalved;
    private boolean halved;
    private long windowStart;
    private int windowStarts;
    /** The calls started per second over the last whole second. */
    private double observed;
    private long throttled;

    /** The calls running now, in this instance. */
    private final AtomicInteger inFlight = new AtomicInteger();

    CallRate(double configured) {
        this.configured = configured;
        this.limit = configured;
    }

    /**
     * Stage {@code stage}'s rate in the instance whose meters are {@code registry}, made with its meters
     * the first time: {@code sluice_stage_calls_in_flight{stage}}, {@code sluice_stage_calls_throttled_total{stage}}
     * (calls told to slow down) and {@code sluice_stage_call_rate{stage}} (the calls per second allowed
     * now; 0 when there is no limit). Without a registry, a rate of its own.
     */
    static CallRate of(MeterRegistry registry, String stage, double configured) {
        if (registry == null) {
            return new CallRate(configured);
        }
        synchronized (SHARED) {
            return SHARED.computeIfAbsent(registry, r -> new HashMap<>()).computeIfAbsent(stage, s -> {
                CallRate rate = new CallRate(configured);
                Gauge.builder("sluice.stage.calls.in.flight", rate, CallRate::inFlight)
                        .description("Calls of an asynchronous stage running now").tag("stage", stage).register(registry);
                FunctionCounter.builder("sluice.stage.calls.throttled", rate, CallRate::throttled)
                        .description("Calls of an asynchronous stage that the service told to slow down")
                        .tag("stage", stage).register(registry);
                Gauge.builder("sluice.stage.call.rate", rate, CallRate::current)
                        .description("Calls per second an asynchronous stage may start now; 0 for no limit")
                        .tag("stage", stage).register(registry);
                return rate;
            });
        }
    }

    /** A call began to run. */
    void began() {
        inFlight.incrementAndGet();
    }

    /** A call ended (came back, or was given up). */
    void ended() {
        inFlight.decrementAndGet();
    }

    /** The calls running now. */
    int inFlight() {
        return inFlight.get();
    }

    /** Reserves a start for a call at {@code now} (System.nanoTime): how many nanoseconds it waits for it. */
    synchronized long reserve(long now) {
        count(now);
        long at = Math.max(now, pausedUntil);
        if (limit > 0) {
            at = Math.max(at, next);
            next = at + (long) (SECOND / limit);
        }
        return at - now;
    }

    /**
     * A call was told to wait {@code waitNanos} at {@code now}: no call starts before then, and the rate
     * halves, once per wait however many calls in flight hear it.
     */
    synchronized void slowDown(long now, long waitNanos) {
        throttled++;
        pausedUntil = Math.max(pausedUntil, now + waitNanos);
        if (halved && now - lastHalved < Math.max(waitNanos, SECOND)) {
            return;
        }
        halved = true;
        lastHalved = now;
        double from = limit > 0 ? limit : Math.max(observed, windowRate(now));
        limit = Math.max(FLOOR, from / 2);
    }

    /** A call succeeded: a lowered rate rises. */
    synchronized void succeeded() {
        if (limit == 0 || (configured > 0 && limit >= configured)) {
            return;
        }
        limit += RAISE;
        if (configured > 0) {
            limit = Math.min(limit, configured);
        } else if (limit >= 2 * Math.max(observed, FLOOR)) {
            limit = 0;
        }
    }

    /** The rate in force, in calls per second; 0 when there is none. */
    synchronized double current() {
        return limit;
    }

    /** How many times a call was told to slow down. */
    synchronized long throttled() {
        return throttled;
    }

    private void count(long now) {
        if (now - windowStart >= SECOND) {
            observed = windowStarts * (double) SECOND / Math.max(SECOND, now - windowStart);
            windowStart = now;
            windowStarts = 0;
        }
        windowStarts++;
    }

    private double windowRate(long now) {
        long elapsed = Math.max(now - windowStart, SECOND / 10);
        return windowStarts * (double) SECOND / elapsed;
    }
}
