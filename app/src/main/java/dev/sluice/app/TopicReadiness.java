package dev.sluice.app;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

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
