package dev.sluice.app.runtime;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far a segment's group is behind on the topic it reads, as {@code kafka-consumer-groups.sh} counts
 * it: over the topic's partitions, the end offset (the last stable one: what a read_committed consumer
 * can reach) less the group's committed offset, or less the partition's start where the group has
 * committed none. It counts offsets, so under exactly_once_v2 a transaction's commit marker that no
 * record has passed yet counts as one. It is the group's lag, the same from every instance.
 *
 * <p>Asked of the cluster, on a thread of its own, when a metrics scrape reads it and the last answer
 * is over {@value #FRESH_SECONDS} s old; a scrape waits for the answer up to {@value #WAIT_SECONDS} s,
 * then takes the last one, so a cluster that does not answer never holds {@code GET /metrics} up. NaN
 * until the cluster has answered, and when it could not.
 */
public final class LaneLag implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LaneLag.class);
    static final int FRESH_SECONDS = 5;
    static final int TIMEOUT_SECONDS = 5;
    static final int WAIT_SECONDS = 1;

    private final Admin admin;
    private final Map<String, Reading> readings = new ConcurrentHashMap<>();
    /** The latest question asked of the cluster for each group and topic; guarded by this. */
    private final Map<String, CompletableFuture<Double>> asking = new HashMap<>();
    private final ExecutorService asker = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "sluice-lane-lag");
        thread.setDaemon(true);
        return thread;
    });

    private record Reading(long atNanos, double lag) {
    }

    LaneLag(Map<String, Object> clientConfig) {
        this.admin = Admin.create(clientConfig);
    }

    /** The lag of {@code group} on {@code topic}, at most {@value #FRESH_SECONDS} s old. */
    double lag(String group, String topic) {
        String key = group + '\n' + topic;
        Reading last = readings.get(key);
        if (last != null && System.nanoTime() - last.atNanos() < TimeUnit.SECONDS.toNanos(FRESH_SECONDS)) {
            return last.lag();
        }
        try {
            return refresh(key, group, topic).get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return last == null ? Double.NaN : last.lag();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return last == null ? Double.NaN : last.lag();
        }
    }

    /** The question in flight for {@code key}, or a new one once the last has been answered. */
    private synchronized CompletableFuture<Double> refresh(String key, String group, String topic) {
        CompletableFuture<Double> question = asking.get(key);
        if (question == null || question.isDone()) {
            question = CompletableFuture.supplyAsync(() -> {
                double lag = ask(group, topic);
                readings.put(key, new Reading(System.nanoTime(), lag));
                return lag;
            }, asker);
            asking.put(key, question);
        }
        return question;
    }

    private double ask(String group, String topic) {
        try {
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(topic).partitions().stream()
                    .map(TopicPartitionInfo::partition).map(p -> new TopicPartition(topic, p)).toList();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            Map<TopicPartition, Long> ends = offsets(partitions, OffsetSpec.latest());
            List<TopicPartition> uncommitted = partitions.stream().filter(p -> committed.get(p) == null).toList();
            Map<TopicPartition, Long> starts = uncommitted.isEmpty() ? Map.of() : offsets(uncommitted, OffsetSpec.earliest());
            long lag = 0;
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata done = committed.get(partition);
                long from = done != null ? done.offset() : starts.get(partition);
                lag += Math.max(0, ends.get(partition) - from);
            }
            return lag;
        } catch (ExecutionException | TimeoutException e) {
            log.debug("cannot tell the lag of group {} on {}: {}", group, topic, e.toString());
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec)
            throws ExecutionException, InterruptedException, TimeoutException {
        Map<TopicPartition, OffsetSpec> asked = new HashMap<>();
        partitions.forEach(p -> asked.put(p, spec));
        Map<TopicPartition, Long> offsets = new HashMap<>();
        admin.listOffsets(asked, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).forEach((p, info) -> offsets.put(p, info.offset()));
        return offsets;
    }

    @Override
    public void close() {
        asker.shutdownNow();
        admin.close(Duration.ofSeconds(5));
    }
}
