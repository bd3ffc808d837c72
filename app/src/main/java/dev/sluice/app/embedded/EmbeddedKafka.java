package dev.sluice.app.embedded;

import dev.sluice.app.internal.Logging;
import dev.sluice.app.internal.TempDirs;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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
        return start("PLAINTEXT", overrides, Map.of());
    }

    /** The client settings that log in to a {@link #startSecured} broker as {@code user}. */
    public static Map<String, Object> saslPlain(String user, String password) {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";");
    }

    /**
     * A broker whose clients must log in with SASL/PLAIN as one of {@code users} (name to password), or
     * with SCRAM-SHA-512 once an admin has given a user SCRAM credentials, and
     * whose StandardAuthorizer allows only what ACLs grant, but to {@code superUser} (one of the users)
     * and to the node itself: for tests of what access Sluice needs.
     */
    public static EmbeddedKafka startSecured(Map<String, String> users, String superUser) throws IOException {
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"" + superUser + "\" password=\"" + users.get(superUser) + "\"");
        users.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
        return start("SASL_PLAINTEXT", Map.of(
                "sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-512",
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "sasl.mechanism.inter.broker.protocol", "PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.append(';').toString(),
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                // the controller listener is plain text, on loopback: the node talks to itself as ANONYMOUS
                "super.users", "User:" + superUser + ";User:ANONYMOUS"), saslPlain(superUser, users.get(superUser)));
    }

    /**
     * A broker whose only client listener is TLS, with the key and certificate in {@code keystore}
     * (PKCS12), whose clients trust it through {@code tls(truststore, ...)}: for tests of TLS.
     */
    public static EmbeddedKafka startTls(Path keystore, String keystorePassword, Path truststore,
                                         String truststorePassword) throws IOException {
        Map<String, Object> client = tls(truststore, truststorePassword);
        Map<String, String> broker = new HashMap<>(Map.of(
                "ssl.keystore.location", keystore.toString(), "ssl.keystore.type", "PKCS12",
                "ssl.keystore.password", keystorePassword, "ssl.key.password", keystorePassword));
        client.forEach((key, value) -> broker.putIfAbsent(key, value.toString()));
        broker.remove("security.protocol");
        return start("SSL", broker, client);
    }

    /** The client settings that trust a {@link #startTls} broker through {@code truststore} (PKCS12). */
    public static Map<String, Object> tls(Path truststore, String password) {
        return Map.of("security.protocol", "SSL", "ssl.truststore.location", truststore.toString(),
                "ssl.truststore.type", "PKCS12", "ssl.truststore.password", password);
    }

    private static EmbeddedKafka start(String protocol, Map<String, String> overrides, Map<String, Object> client)
            throws IOException {
        long t0 = System.nanoTime();
        Path dir = Files.createTempDirectory("sluice-kafka-");
        try {
            int[] ports = freePorts(2);
            int brokerPort = ports[0];
            int controllerPort = ports[1];
            String logDir = dir.resolve("log").toString();
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", "1");
            props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            props.put("listeners", protocol + "://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            props.put("advertised.listeners", protocol + "://127.0.0.1:" + brokerPort);
            props.put("controller.listener.names", "CONTROLLER");
            props.put("inter.broker.listener.name", protocol);
            props.put("listener.security.protocol.map", protocol + ":" + protocol + ",CONTROLLER:PLAINTEXT");
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
            kafka.awaitReady(Duration.ofSeconds(60), client);
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

    private void awaitReady(Duration timeout, Map<String, Object> client) throws Exception {
        Map<String, Object> config = new HashMap<>(client);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(config)) {
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
    public static void format(int nodeId, String clusterId, String logDir) throws Exception {
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
    public static int freePort() throws IOException {
        return freePorts(1)[0];
    }

    /**
     * {@code count} different ports free on the loopback address now: all held open together while
     * they are chosen, since one closed before the next is asked for can be handed out again.
     */
    public static int[] freePorts(int count) throws IOException {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets[i].setReuseAddress(true);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }
}
