package dev.sluice.app.runtime;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * Whether new topics are really served. The controller names a leader before that broker has taken
 * the partition on; an idempotent producer that writes in that gap can have its first batch refused
 * (NotLeaderOrFollower) while later ones are accepted, and then never get the first one in
 * (OutOfOrderSequence until delivery.timeout.ms): seen with the benchmark's freshly created topics.
 * A list-offsets request is answered by the leader itself, so it succeeds only once it serves.
 */
public final class TopicReadiness {

    private TopicReadiness() {
    }

    /**
     * Waits until every partition of the named topics has a leader that serves it; false if that
     * has not happened within {@code timeout}. A topic not yet known to the broker asked counts as
     * not ready: right after creation, describe can answer UNKNOWN_TOPIC_OR_PARTITION. False at once
     * when the principal may not describe them.
     */
    public static boolean await(Admin admin, Collection<String> names, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                var topics = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
                boolean led = topics.values().stream().allMatch(t -> !t.partitions().isEmpty() && t.partitions()
                        .stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (led && servedByLeaders(admin, topics.values())) {
                    return true;
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof AuthorizationException) {
                    return false; // this principal may not describe them: waiting would not tell
                }
                // not known everywhere yet
            } catch (TimeoutException e) {
                // not known everywhere yet
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** True when the leader of every partition of {@code topics} answers a list-offsets request. */
    public static boolean servedByLeaders(Admin admin, Collection<TopicDescription> topics) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (TopicDescription topic : topics) {
            topic.partitions().forEach(p -> request.put(new TopicPartition(topic.name(), p.partition()), OffsetSpec.latest()));
        }
        try {
            admin.listOffsets(request).all().get(10, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
