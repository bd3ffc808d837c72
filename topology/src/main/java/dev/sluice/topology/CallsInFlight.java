package dev.sluice.topology;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The calls of a topology's asynchronous stages, as a test driver follows them: how many calls run
 * (the service has not answered), how many inputs the stages hold (running, waiting for a retry or a
 * free slot, or answered and not yet sent on), and when the next retry comes due. A test driver waits
 * until no call runs, then moves its wall clock so that the stages send on what came back, and does so
 * until the stages hold nothing; see {@link SluiceTopology.Options#withCalls}. The engine reports to it;
 * a running pipeline has none.
 */
public final class CallsInFlight {

    private final Object lock = new Object();
    private int running;
    private int held;
    /** Each stage task's earliest retry and its clock then: {dueAt, now}. */
    private final Map<Object, long[]> due = new ConcurrentHashMap<>();

    /** A stage took {@code n} inputs (or found them in its store after a restart). */
    public void held(int n) {
        synchronized (lock) {
            held += n;
        }
    }

    /** A stage sent on, or let go of, {@code n} inputs. */
    public void released(int n) {
        synchronized (lock) {
            held -= n;
            lock.notifyAll();
        }
    }

    /** A call started. */
    public void started() {
        synchronized (lock) {
            running++;
        }
    }

    /** A call came back (or was given up). */
    public void finished() {
        synchronized (lock) {
            running--;
            lock.notifyAll();
        }
    }

    /** The earliest retry of {@code owner} is due at {@code dueAt} ({@link Long#MAX_VALUE}: none), its clock at {@code now}. */
    public void due(Object owner, long dueAt, long now) {
        if (dueAt == Long.MAX_VALUE) {
            due.remove(owner);
        } else {
            due.put(owner, new long[] {dueAt, now});
        }
    }

    /** How many inputs the stages hold. */
    public int held() {
        synchronized (lock) {
            return held;
        }
    }

    /** How many calls run. */
    public int running() {
        synchronized (lock) {
            return running;
        }
    }

    /** Waits until no call runs, at most {@code timeout}: whether none does. */
    public boolean awaitNoneRunning(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (running > 0) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /** How far a driver's clock must move for the earliest retry to come due: at least 1 ms. */
    public long millisToNextDue() {
        long least = Long.MAX_VALUE;
        for (long[] entry : due.values()) {
            least = Math.min(least, entry[0] - entry[1]);
        }
        return least == Long.MAX_VALUE ? 1 : Math.max(1, least);
    }
}
