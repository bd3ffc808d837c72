package dev.sluice.app.runtime;

import dev.sluice.serdes.SluiceTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates Sluice's topics where they are missing; existing topics are left as they are. */
final class TopicSetup {

    private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {
    }

    static void ensure(Admin admin, SluiceTopics topics, Collection<String> lanes,
                       int partitions, short replicationFactor) throws InterruptedException {
        List<String> names = topics.names(lanes);
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String name : names) {
                if (!existing.contains(name)) {
                    // commands are few, and every instance reads them all, in order
                    int count = name.equals(topics.control().name()) ? 1 : partitions;
                    missing.add(new NewTopic(name, Optional.of(count),
                            replicationFactor < 0 ? Optional.empty() : Optional.of(replicationFactor)));
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            var created = admin.createTopics(missing).values();
            for (var entry : created.entrySet()) {
                try {
                    entry.getValue().get();
                    log.info("created topic {} ({} partitions)", entry.getKey(),
                            entry.getKey().equals(topics.control().name()) ? 1 : partitions);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey() + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            awaitServed(admin, created.keySet());
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list topics: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Waits (up to a minute) until the leaders of the new topics serve them; see {@link TopicReadiness}. */
    private static void awaitServed(Admin admin, Set<String> names) throws InterruptedException {
        if (!TopicReadiness.await(admin, names, Duration.ofMinutes(1))) {
            log.warn("topics {} are not served by their leaders after a minute, or this principal may not describe"
                    + " them; going on", names);
        }
    }
}
