package dev.sluice.app.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Counts the records on an output topic as a read_committed consumer sees them, on its own thread.
 * It shares two cores with the application it times, so it does as little as a consumer can: its
 * deserializers never copy a key or value out of the fetched batch, it does not check CRCs (the
 * broker checked them when the application wrote the records), and it asks the broker to wait for a
 * mebibyte or {@value #FETCH_WAIT_MS} ms rather than answer each fetch with the last few records (a
 * fetch per producer batch cost it half a core). A count may so come up to {@value #FETCH_WAIT_MS}
 * ms late: under 0.5 % of the shortest case.
 */
final class OutputCounter implements AutoCloseable {

    static final int FETCH_WAIT_MS = 25;

    private static final Deserializer<Void> SKIP = new Deserializer<>() {
        @Override
        public Void deserialize(String topic, byte[] data) {
            return null;
        }

        @Override
        public Void deserialize(String topic, Headers headers, ByteBuffer data) {
            return null;
        }
    };

    private final KafkaConsumer<Void, Void> consumer;
    private final String topic;
    private final AtomicLong count = new AtomicLong();
    private final Thread thread;
    private volatile boolean stopped;

    OutputCounter(Map<String, Object> config, String topic) {
        Map<String, Object> light = new HashMap<>(config);
        light.put(ConsumerConfig.CHECK_CRCS_CONFIG, false);
        light.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1 << 20);
        light.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, FETCH_WAIT_MS);
        light.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        light.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        this.consumer = new KafkaConsumer<>(light, SKIP, SKIP);
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
