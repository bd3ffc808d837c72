package dev.sluice.app.internal;

import java.util.concurrent.ForkJoinPool;

/**
 * Gives the JVM's common pool at least two threads. With fewer than three cores its parallelism is 1,
 * and then every {@code CompletableFuture} step meant for the default executor gets a new thread of its
 * own: the JDK's {@code HttpClient} hands each answer of {@code sendAsync} to that executor, so an
 * asynchronous stage calling a service spent more CPU creating threads than on anything else (one
 * thread per call, 2 ms of CPU a call on a 2-core machine). A user's own
 * {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism} wins.
 */
public final class CommonPool {

    static final String PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    private CommonPool() {
    }

    /**
     * Call first in {@code main}, before anything uses the common pool: it reads the setting once.
     *
     * @return the common pool's parallelism
     */
    public static int atLeastTwoThreads() {
        if (System.getProperty(PARALLELISM) == null) {
            System.setProperty(PARALLELISM, Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
        }
        return ForkJoinPool.getCommonPoolParallelism();
    }
}
