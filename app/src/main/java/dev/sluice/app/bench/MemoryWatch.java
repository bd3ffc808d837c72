package dev.sluice.app.bench;

import java.lang.management.ManagementFactory;

/**
 * The peak resident set size (Linux VmHWM) and the peak heap in use of this JVM: a
 * {@link BenchWorker}, which runs only applications under test.
 */
final class MemoryWatch {

    private volatile long peakHeap;
    private Thread sampler;
    private volatile boolean stopped;

    void start() {
        sampler = new Thread(() -> {
            while (!stopped) {
                long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                peakHeap = Math.max(peakHeap, used);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-memory");
        sampler.setDaemon(true);
        sampler.start();
    }

    void stop() {
        stopped = true;
    }

    /** The most heap in use at once, sampled every 100 ms. */
    double peakHeapMb() {
        return peakHeap / (1024.0 * 1024.0);
    }

    double peakRssMb() {
        long kib = Resources.procStatusKib("VmHWM:");
        return kib < 0 ? -1 : kib / 1024.0;
    }
}
