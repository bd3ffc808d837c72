package dev.sluice.app.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/** Counts the records on an output topic as a read_committed consumer sees them, on its own thread. */
final class OutputCounter implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final AtomicLong count = new AtomicLong();
    private final Thread thread;
    private volatile boolean stopped;

    OutputCounter(Map<String, Object> config, String topic) {
        this.consumer = new KafkaConsumer<>(config);
        this.topic = topic;
        List<TopicPartition> partitions = Bench.partitions(consumer, topic);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        partitions.forEach(p -> consumer.position(p, Duration.ofSeconds(30)));
        this.thread = new Thread(this::count, "bench-counter-" + topic);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void count() {
        try {
            while (!stopped) {
                count.addAndGet(consumer.poll(Duration.ofMillis(50)).count());
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    /** Waits until {@code n} records were counted; returns System.nanoTime() then, or -1 on timeout. */
    long awaitCount(long n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count.get() < n) {
            if (System.nanoTime() > deadline) {
                return -1;
            }
            Thread.sleep(1);
        }
        return System.nanoTime();
    }

    /** Keeps counting a little longer, so that more outputs than inputs show; returns the count. */
    long settle(Duration quiet) throws InterruptedException {
        Thread.sleep(quiet.toMillis());
        return count.get();
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        consumer.wakeup();
        thread.join(10_000);
    }

    @Override
    public String toString() {
        return "OutputCounter[" + topic + ": " + count.get() + "]";
    }
}
