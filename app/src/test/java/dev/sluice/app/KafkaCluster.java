package dev.sluice.app;

import dev.sluice.app.embedded.EmbeddedKafka;
import dev.sluice.app.internal.Logging;
import dev.sluice.app.internal.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A Kafka cluster inside this JVM for tests that stop brokers: one KRaft controller and
 * {@code brokers} brokers on 127.0.0.1, every topic (internal ones too) replicated to three with
 * min.insync.replicas 2, so that one broker can be away without losing a write or a transaction.
 */
public final class KafkaCluster implements AutoCloseable {

    private final Path dir;
    private final List<KafkaConfig> configs = new ArrayList<>();
    private final List<KafkaRaftServer> nodes = new ArrayList<>();
    private final List<Integer> brokerPorts = new ArrayList<>();

    private KafkaCluster(Path dir) {
        this.dir = dir;
    }

    /** Formats and starts the controller and {@code brokers} brokers, and waits until every broker is up. */
    public static KafkaCluster start(int brokers) throws Exception {
        KafkaCluster cluster = new KafkaCluster(Files.createTempDirectory("sluice-cluster-"));
        try {
            String clusterId = Uuid.randomUuid().toString();
            int controllerPort = EmbeddedKafka.freePort();
            String voters = "0@127.0.0.1:" + controllerPort;
            cluster.add(clusterId, 0, "controller", voters, "CONTROLLER://127.0.0.1:" + controllerPort, brokers);
            for (int id = 1; id <= brokers; id++) {
                int port = EmbeddedKafka.freePort();
                cluster.brokerPorts.add(port);
                cluster.add(clusterId, id, "broker", voters, "PLAINTEXT://127.0.0.1:" + port, brokers);
            }
            cluster.awaitBrokers(brokers, Duration.ofSeconds(60));
            return cluster;
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    private void add(String clusterId, int id, String role, String voters, String listener, int brokers)
            throws Exception {
        String logDir = dir.resolve("node-" + id).toString();
        Properties props = new Properties();
        props.put("process.roles", role);
        props.put("node.id", Integer.toString(id));
        props.put("controller.quorum.voters", voters);
        props.put("listeners", listener);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        if (role.equals("broker")) {
            props.put("advertised.listeners", listener);
            props.put("inter.broker.listener.name", "PLAINTEXT");
        }
        int replicas = Math.min(3, brokers);
        props.put("log.dirs", logDir);
        props.put("auto.create.topics.enable", "false");
        props.put("default.replication.factor", Integer.toString(replicas));
        props.put("min.insync.replicas", Integer.toString(Math.max(1, replicas - 1)));
        props.put("offsets.topic.replication.factor", Integer.toString(replicas));
        props.put("offsets.topic.num.partitions", "3");
        props.put("transaction.state.log.replication.factor", Integer.toString(replicas));
        props.put("transaction.state.log.min.isr", Integer.toString(Math.max(1, replicas - 1)));
        props.put("transaction.state.log.num.partitions", "3");
        props.put("share.coordinator.state.topic.replication.factor", Integer.toString(replicas));
        props.put("share.coordinator.state.topic.min.isr", Integer.toString(Math.max(1, replicas - 1)));
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        KafkaConfig config = new KafkaConfig(props, false);
        EmbeddedKafka.format(id, clusterId, logDir);
        configs.add(config);
        KafkaRaftServer node = new KafkaRaftServer(config, Time.SYSTEM);
        node.startup();
        nodes.add(node);
    }

    /** {@code host:port,...} of every broker. */
    public String bootstrapServers() {
        return brokerPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    /** Stops broker {@code id} (1 to the number of brokers; 0 is the controller), as a clean shutdown. */
    public void stopBroker(int id) {
        KafkaRaftServer node = nodes.get(id);
        node.shutdown();
        node.awaitShutdown();
        nodes.set(id, null);
    }

    /** Starts broker {@code id} again on its log and port, and waits until the cluster has every broker. */
    public void startBroker(int id) throws Exception {
        KafkaRaftServer node = new KafkaRaftServer(configs.get(id), Time.SYSTEM);
        node.startup();
        nodes.set(id, node);
        awaitBrokers(brokerPorts.size(), Duration.ofSeconds(60));
    }

    /**
     * Stops the whole cluster, as a power cut of the racks would, but cleanly: every broker, then the
     * controller. Clients keep their connections' addresses and find nothing there until {@link #startAll}.
     */
    public void stopAll() {
        for (int id = nodes.size() - 1; id >= 0; id--) {
            if (nodes.get(id) != null) {
                stopBroker(id);
            }
        }
    }

    /** Starts the controller and every broker again on their logs and ports, and waits until every broker is up. */
    public void startAll() throws Exception {
        for (int id = 0; id < nodes.size(); id++) {
            if (nodes.get(id) == null) {
                KafkaRaftServer node = new KafkaRaftServer(configs.get(id), Time.SYSTEM);
                node.startup();
                nodes.set(id, node);
            }
        }
        awaitBrokers(brokerPorts.size(), Duration.ofSeconds(120));
    }

    private void awaitBrokers(int count, Duration timeout) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                try {
                    if (admin.describeCluster().nodes().get().size() == count) {
                        return;
                    }
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the cluster did not reach " + count + " brokers in " + timeout);
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * The transactional ids still in a transaction, once the brokers had up to a minute to end them:
     * call it after every client has stopped, when those of killed instances must have been aborted
     * (Streams' transaction.timeout.ms, 10 s). Empty when none is left open.
     */
    public List<String> openTransactions() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            List<String> open = new ArrayList<>();
            try {
                Awaitility.await("transactions ended").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofSeconds(1)).until(() -> {
                            open.clear();
                            for (TransactionListing listing : admin.listTransactions().all().get()) {
                                if (listing.state() == TransactionState.ONGOING
                                        || listing.state() == TransactionState.PREPARE_COMMIT
                                        || listing.state() == TransactionState.PREPARE_ABORT) {
                                    open.add(listing.transactionalId() + " " + listing.state());
                                }
                            }
                            return open.isEmpty();
                        });
            } catch (ConditionTimeoutException e) {
                // the caller's assertion reports them, with the transactions still open
            }
            return List.copyOf(open);
        }
    }

    @Override
    public void close() {
        Logging.quiet("org.apache.kafka.clients.NetworkClient");
        // brokers first, the controller last
        for (int i = nodes.size() - 1; i >= 0; i--) {
            KafkaRaftServer node = nodes.get(i);
            if (node != null) {
                node.shutdown();
                node.awaitShutdown();
            }
        }
        TempDirs.delete(dir);
    }
}
