package dev.sluice.app.runtime;

import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.SluiceTopology;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Before a pipeline starts: may this instance's principal do on Sluice's topics what its segments will
 * (read the jobs, write the results, the events and the dead letters, ...)? The broker says, for each
 * topic, what the principal may do ({@code includeAuthorizedOperations}); what is missing stops the
 * start with one message that names each operation and topic. A broker without an authorizer allows
 * everything. Groups and transactional ids cannot be asked before they are used: a refusal of those
 * comes from Kafka Streams at run time, and {@link #explain} words it.
 */
final class AccessCheck {

    /** Where the ACLs are listed. */
    static final String DOCS = "docs/security.md";

    private AccessCheck() {
    }

    /** What the segments need of each topic: {@code segments} as SluiceRunner runs them. */
    static Map<String, Set<AclOperation>> needs(SluiceTopics topics, Collection<String> lanes, Collection<String> segments,
                                                boolean statusStore) {
        Map<String, Set<AclOperation>> needs = new LinkedHashMap<>();
        for (String segment : segments) {
            boolean main = segment.equals(SluiceTopology.MAIN);
            need(needs, SluiceRunner.source(topics, segment), AclOperation.READ);
            if (main) {
                for (String lane : lanes) {
                    need(needs, topics.lane(lane).name(), AclOperation.WRITE);
                }
                if (statusStore) {
                    need(needs, topics.events().name(), AclOperation.READ);
                }
            }
            need(needs, topics.results().name(), AclOperation.WRITE);
            need(needs, topics.deadLetters().name(), AclOperation.WRITE);
            need(needs, topics.events().name(), AclOperation.WRITE);
            need(needs, topics.control().name(), AclOperation.READ);
        }
        return needs;
    }

    private static void need(Map<String, Set<AclOperation>> needs, String topic, AclOperation operation) {
        needs.computeIfAbsent(topic, t -> EnumSet.of(AclOperation.DESCRIBE)).add(operation);
    }

    /**
     * Asks the broker; throws naming every operation the principal lacks.
     *
     * @throws IllegalStateException when the principal lacks any; its message names them and {@link #DOCS}
     */
    static void verify(Admin admin, Map<String, Set<AclOperation>> needs) throws InterruptedException {
        List<String> missing = new ArrayList<>();
        Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(needs.keySet(),
                new DescribeTopicsOptions().includeAuthorizedOperations(true)).topicNameValues();
        for (Map.Entry<String, Set<AclOperation>> need : needs.entrySet()) {
            String topic = need.getKey();
            try {
                Set<AclOperation> allowed = described.get(topic).get(60, TimeUnit.SECONDS).authorizedOperations();
                if (allowed == null) {
                    continue; // the broker did not say
                }
                for (AclOperation operation : need.getValue()) {
                    if (!allowed.contains(operation)) {
                        missing.add(operation + " on topic " + topic);
                    }
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof AuthorizationException) {
                    need.getValue().forEach(operation -> missing.add(operation + " on topic " + topic));
                } else if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    missing.add("topic " + topic + " to exist (it is not there, and topics.create is false)");
                } else {
                    throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getCause().getMessage(),
                            e.getCause());
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("the cluster did not describe topic " + topic + " within 60 s", e);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("this instance's principal is not allowed " + String.join(", ", missing)
                    + "; the ACLs Sluice needs are in " + DOCS);
        }
    }

    /**
     * What a stream thread's failure says when Kafka refused it something (a group, a transactional id,
     * a topic): the refusal, and where the ACLs are; null when it was not a refusal.
     */
    static String explain(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof AuthorizationException refused) {
                return "Kafka refused this instance's principal: " + refused.getClass().getSimpleName() + ": "
                        + refused.getMessage() + " (the ACLs Sluice needs are in " + DOCS + ")";
            }
        }
        return null;
    }
}
