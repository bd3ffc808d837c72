package dev.sluice.app;

import dev.sluice.app.embedded.EmbeddedKafka;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.awaitility.Awaitility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The broker an integration test runs against, whichever it can have: the cluster that
 * {@code -Dsluice.it.bootstrap=HOST:PORT} names; else a Testcontainers Kafka ({@value #IMAGE}) when a
 * Docker engine answers; else a KRaft broker in this JVM. It logs which. On a named cluster, which
 * outlives the test, {@link #close} deletes the topics and groups that the test made, so that the next
 * test starts as on a fresh broker; what was there before is left alone.
 */
public abstract class TestKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TestKafka.class);
    /** The property that names a running cluster. */
    static final String BOOTSTRAP_PROPERTY = "sluice.it.bootstrap";
    /** The image of the Testcontainers broker: the Kafka the project builds with. */
    static final String IMAGE = "apache/kafka:4.3.1";

    /** {@code host:port} of the broker. */
    public abstract String bootstrapServers();

    /** Which broker it is, for the log. */
    abstract String describe();

    @Override
    public abstract void close();

    public static TestKafka start() throws IOException {
        String named = System.getProperty(BOOTSTRAP_PROPERTY, "").trim();
        TestKafka kafka;
        if (!named.isEmpty()) {
            try {
                kafka = new Named(named);
            } catch (Exception e) {
                throw new IOException("the cluster at " + named + " (-D" + BOOTSTRAP_PROPERTY
                        + ") did not answer: " + e, e);
            }
        } else if (dockerAnswers()) {
            kafka = Container.start();
        } else {
            kafka = new InProcess(EmbeddedKafka.start());
        }
        log.info("integration-test broker: {}", kafka.describe());
        return kafka;
    }

    private static boolean dockerAnswers() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            log.debug("no Docker engine", e);
            return false;
        }
    }

    /** The in-process broker, for a machine without Docker. */
    private static final class InProcess extends TestKafka {
        private final EmbeddedKafka kafka;

        InProcess(EmbeddedKafka kafka) {
            this.kafka = kafka;
        }

        @Override
        public String bootstrapServers() {
            return kafka.bootstrapServers();
        }

        @Override
        String describe() {
            return "in-process KRaft broker at " + kafka.bootstrapServers() + " (no Docker engine answered; -D"
                    + BOOTSTRAP_PROPERTY + "=HOST:PORT names a cluster)";
        }

        @Override
        public void close() {
            kafka.close();
        }
    }

    /** A Kafka container, started for this test. */
    private static final class Container extends TestKafka {
        private final KafkaContainer kafka;

        private Container(KafkaContainer kafka) {
            this.kafka = kafka;
        }

        public static Container start() {
            KafkaContainer kafka = new KafkaContainer(IMAGE)
                    .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                    .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
            kafka.start();
            return new Container(kafka);
        }

        @Override
        public String bootstrapServers() {
            return kafka.getBootstrapServers();
        }

        @Override
        String describe() {
            return "Testcontainers " + IMAGE + " at " + bootstrapServers();
        }

        @Override
        public void close() {
            kafka.stop();
        }
    }

    /** A running cluster named by the property: left as it was found. */
    private static final class Named extends TestKafka {
        private final String bootstrap;
        private final Set<String> topicsBefore;
        private final Set<String> groupsBefore;

        Named(String bootstrap) throws Exception {
            this.bootstrap = bootstrap;
            try (Admin admin = admin()) {
                topicsBefore = admin.listTopics(new ListTopicsOptions().listInternal(false)).names().get(30, TimeUnit.SECONDS);
                groupsBefore = groups(admin);
            }
        }

        private Admin admin() {
            return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        }

        private static Set<String> groups(Admin admin) throws Exception {
            Set<String> groups = new HashSet<>();
            for (GroupListing group : admin.listGroups().all().get(30, TimeUnit.SECONDS)) {
                groups.add(group.groupId());
            }
            return groups;
        }

        @Override
        public String bootstrapServers() {
            return bootstrap;
        }

        @Override
        String describe() {
            return "the cluster at " + bootstrap + " (-D" + BOOTSTRAP_PROPERTY + "; " + topicsBefore.size()
                    + " topics there before, which stay)";
        }

        /** Deletes the groups and topics the test made, and waits until the topics are gone. */
        @Override
        public void close() {
            try (Admin admin = admin()) {
                Set<String> groups = groups(admin);
                groups.removeAll(groupsBefore);
                if (!groups.isEmpty()) { // a member that has only just left may still hold its group a moment
                    Awaitility.await("groups " + groups + " deleted").atMost(Duration.ofSeconds(60))
                            .pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
                                admin.deleteConsumerGroups(groups).all().get(30, TimeUnit.SECONDS);
                                return true;
                            });
                }
                Set<String> topics = new HashSet<>(admin.listTopics().names().get(30, TimeUnit.SECONDS));
                topics.removeAll(topicsBefore);
                if (!topics.isEmpty()) {
                    admin.deleteTopics(topics).all().get(30, TimeUnit.SECONDS);
                    Awaitility.await("topics " + topics + " deleted").atMost(Duration.ofSeconds(60))
                            .pollInterval(Duration.ofMillis(200)).until(() -> admin.listTopics().names()
                                    .get(30, TimeUnit.SECONDS).stream().noneMatch(topics::contains));
                }
                log.info("left the cluster at {} as it was: deleted {} topics and {} groups", bootstrap, topics.size(),
                        groups.size());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                throw new IllegalStateException("cannot clear what the test made on " + bootstrap + ": " + e, e);
            }
        }
    }
}
