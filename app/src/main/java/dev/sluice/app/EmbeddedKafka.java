package dev.sluice.app;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker inside this JVM: one KRaft node that is both broker and controller, on
 * 127.0.0.1 with ephemeral ports, its log in a temporary directory that {@link #close()} removes.
 * Internal topics are single-replica, so transactions (exactly_once_v2) work on it.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final Path dir;
    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedKafka(Path dir, KafkaRaftServer server, String bootstrapServers) {
        this.dir = dir;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /** Formats storage, starts the node and waits until it answers. */
    public static EmbeddedKafka start() throws IOException {
        return start(Map.of());
    }

    /** As {@link #start()}, with broker settings over the defaults. */
    public static EmbeddedKafka start(Map<String, String> overrides) throws IOException {
        long t0 = System.nanoTime();
        Path dir = Files.createTempDirectory("sluice-kafka-");
        try {
            int brokerPort = freePort();
            int controllerPort = freePort();
            String logDir = dir.resolve("log").toString();
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", "1");
            props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            props.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
            props.put("controller.listener.names", "CONTROLLER");
            props.put("inter.broker.listener.name", "PLAINTEXT");
            props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            props.put("log.dirs", logDir);
            props.put("num.partitions", "1");
            props.put("auto.create.topics.enable", "false");
            props.put("offsets.topic.replication.factor", "1");
            props.put("offsets.topic.num.partitions", "3");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("transaction.state.log.num.partitions", "3");
            props.put("share.coordinator.state.topic.replication.factor", "1");
            props.put("share.coordinator.state.topic.min.isr", "1");
            props.put("group.initial.rebalance.delay.ms", "0");
            props.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
            props.putAll(overrides);
            KafkaConfig config = new KafkaConfig(props, false);

            format(1, Uuid.randomUuid().toString(), logDir);

            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            String bootstrap = "127.0.0.1:" + brokerPort;
            EmbeddedKafka kafka = new EmbeddedKafka(dir, server, bootstrap);
            kafka.awaitReady(Duration.ofSeconds(60));
            log.info("embedded Kafka broker ready at {} in {} ms", bootstrap, (System.nanoTime() - t0) / 1_000_000);
            return kafka;
        } catch (Exception e) {
            TempDirs.delete(dir);
            throw e instanceof IOException io ? io : new IOException("cannot start the embedded Kafka broker: " + e, e);
        }
    }

    /**
     * Runs a broker in a process of its own, e.g. for the benchmark, so that its work does not count
     * against the measured side: prints {@code sluice-broker bootstrap=HOST:PORT} and runs until its
     * standard input closes.
     */
    public static void main(String[] args) throws IOException {
        try (EmbeddedKafka kafka = start()) {
            System.out.println("sluice-broker bootstrap=" + kafka.bootstrapServers());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close our input
            }
        }
    }

    /** {@code host:port} of the broker's listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    private void awaitReady(Duration timeout) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get().isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
                Thread.sleep(50);
            }
        }
    }

    @Override
    public void close() {
        // the broker's own clients warn about each other going away during shutdown
        Logging.quiet("org.apache.kafka.clients.NetworkClient");
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            TempDirs.delete(dir);
        }
    }

    /** Formats {@code logDir} as the storage of KRaft node {@code nodeId} of cluster {@code clusterId}. */
    static void format(int nodeId, String clusterId, String logDir) throws Exception {
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(nodeId)
                .setClusterId(clusterId)
                .setDirectories(List.of(logDir))
                .setMetadataLogDirectory(logDir)
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setControllerListenerName("CONTROLLER")
                .run();
    }

    /** A port free on the loopback address now. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
