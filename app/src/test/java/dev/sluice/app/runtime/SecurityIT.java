package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.sluice.app.embedded.EmbeddedKafka;
import dev.sluice.app.internal.TempDirs;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stages.BuiltinStages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The pipeline on a broker that takes SASL (the pipeline logs in with SCRAM-SHA-512, the client with
 * PLAIN) and authorizes with ACLs: it runs with exactly the
 * ACLs docs/security.md lists (read from its tables), passes no password to the log, and without one of
 * them stops with a message that names what is missing; and the pipeline over TLS, with the same
 * check of the log.
 */
class SecurityIT {

    private static final String ADMIN_PASSWORD = "admin-pw-7c1e";
    private static final String SLUICE_PASSWORD = "sluice-pw-51d3";
    private static final String CLIENT_PASSWORD = "client-pw-0b9a";
    private static final Pipeline PIPELINE = BuiltinStages.ingest();
    private static final Duration WITHIN = Duration.ofSeconds(90);

    private static Path dir;
    private static EmbeddedKafka kafka;
    private static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("sluice-security-it-");
        kafka = EmbeddedKafka.startSecured(Map.of("admin", ADMIN_PASSWORD, "sluice", SLUICE_PASSWORD,
                "client", CLIENT_PASSWORD), "admin");
        admin = Admin.create(as("admin", ADMIN_PASSWORD));
        // the pipeline logs in with SCRAM-SHA-512, the client with PLAIN: both go through the same settings
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("sluice",
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512,
                        8192), SLUICE_PASSWORD))).all().get(30, TimeUnit.SECONDS);
    }

    /** The pipeline's client settings: SCRAM-SHA-512 as User:sluice. */
    private static Map<String, Object> scram() {
        return Map.of("bootstrap.servers", kafka.bootstrapServers(), "security.protocol", "SASL_PLAINTEXT",
                "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"sluice\" password=\""
                        + SLUICE_PASSWORD + "\";");
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (dir != null) {
            TempDirs.delete(dir);
        }
    }

    private static Map<String, Object> as(String user, String password) {
        Map<String, Object> config = new HashMap<>(EmbeddedKafka.saslPlain(user, password));
        config.put("bootstrap.servers", kafka.bootstrapServers());
        return config;
    }

    /** One row of docs/security.md's tables. */
    record Row(String principal, ResourceType resource, PatternType pattern, String name, List<AclOperation> operations) {
    }

    /** The rows of docs/security.md's ACL tables, as the page writes them. */
    static List<Row> documentedRows() throws Exception {
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("..", "docs", "security.md"), StandardCharsets.UTF_8)) {
            if (!line.startsWith("| pipeline |") && !line.startsWith("| client |")) {
                continue;
            }
            String[] cells = line.split("\\|");
            List<AclOperation> operations = new ArrayList<>();
            for (String operation : cells[5].split(",")) {
                operations.add(AclOperation.fromString(operation.trim().toUpperCase(Locale.ROOT)));
            }
            rows.add(new Row(cells[1].trim(), ResourceType.fromString(cells[2].trim().replace('-', '_').toUpperCase(Locale.ROOT)),
                    PatternType.fromString(cells[3].trim().toUpperCase(Locale.ROOT)), cells[4].trim().replace("`", ""),
                    operations));
        }
        return rows;
    }

    /** Grants the documented rows, but those {@code leaveOut} matches, to User:sluice and User:client. */
    private static void grant(String prefix, Predicate<Row> leaveOut) throws Exception {
        List<AclBinding> bindings = new ArrayList<>();
        List<Row> rows = documentedRows();
        assertThat(rows).as("the rows of docs/security.md").hasSizeGreaterThanOrEqualTo(14);
        for (Row row : rows) {
            if (leaveOut.test(row)) {
                continue;
            }
            List<String> names = new ArrayList<>();
            String name = row.name().replace("<application.id>", prefix + "-" + PIPELINE.name()).replace("<prefix>", prefix);
            if (name.contains("<lane>")) {
                PIPELINE.lanes().forEach(lane -> names.add(name.replace("<lane>", lane)));
            } else {
                names.add(name);
            }
            String principal = row.principal().equals("pipeline") ? "User:sluice" : "User:client";
            for (String resource : names) {
                for (AclOperation operation : row.operations()) {
                    bindings.add(new AclBinding(new ResourcePattern(row.resource(), resource, row.pattern()),
                            new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW)));
                }
            }
        }
        admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
        awaitInForce(prefix, bindings);
    }

    /**
     * Waits until the broker and the controller both apply {@code bindings}: each authorizer takes the ACLs
     * from the metadata log after the commit that answers createAcls, so a client that starts at once can
     * be refused (a CI run was, creating a topic). The broker answers describeAcls from its authorizer; the
     * controller authorizes CreateTopics, which a validate-only create as User:sluice asks of it.
     */
    private static void awaitInForce(String prefix, List<AclBinding> bindings) {
        Awaitility.await("the broker's authorizer holds the ACLs").atMost(WITHIN).pollInterval(Duration.ofMillis(100))
                .until(() -> admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)
                        .containsAll(bindings));
        boolean mayCreate = bindings.stream().anyMatch(binding -> binding.entry().principal().equals("User:sluice")
                && binding.entry().operation() == AclOperation.CREATE
                && binding.pattern().resourceType() == ResourceType.TOPIC);
        if (mayCreate) {
            try (Admin sluice = Admin.create(scram())) {
                Awaitility.await("the controller's authorizer lets User:sluice create topics")
                        .atMost(WITHIN).pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(ExecutionException.class)
                        .until(() -> {
                            sluice.createTopics(List.of(new NewTopic(prefix + ".acl-probe", 1, (short) 1)),
                                    new CreateTopicsOptions().validateOnly(true)).all().get(30, TimeUnit.SECONDS);
                            return true;
                        });
            }
        }
    }

    private static SluiceConfig config(String prefix) {
        Map<String, Object> settings = new HashMap<>(Map.of(SluiceConfig.TOPICS_PREFIX_CONFIG, prefix,
                SluiceConfig.REGISTRY_URL_CONFIG, "mem://security-it"));
        scram().forEach((key, value) -> settings.put(SluiceConfig.KAFKA_PREFIX + key, value));
        return new SluiceConfig(settings);
    }

    private static SluiceRunner start(String prefix) throws InterruptedException {
        return SluiceRunner.start(config(prefix), PIPELINE, Map.of(StreamsConfig.STATE_DIR_CONFIG,
                dir.resolve(prefix).toString()));
    }

    @Test
    void shouldRunWithExactlyTheDocumentedAclsAndLogNoPassword() throws Exception {
        grant("sec", row -> false);
        List<String> log = logged(() -> {
            try (SluiceRunner runner = start("sec");
                 JobClient<Object, Object> client = JobClient.create(as("client", CLIENT_PASSWORD),
                         SluiceTopics.create("sec", AvroSerdes.forUrl("mem://security-it")))) {
                runner.awaitRunning(WITHIN);
                List<String> ids = new ArrayList<>();
                ids.add(client.submit(Jobs.text("short", "short", "A short document, on a secured cluster.")).get()
                        .getJobId());
                ids.add(client.submit(Jobs.text("long", "long", "word ".repeat(700))).get().getJobId()); // the bulk lane
                for (String id : ids) {
                    assertThat(client.await(id, WITHIN).getStatus()).as(id).hasToString("COMPLETED");
                }
            }
        });
        assertThat(log).anySatisfy(line -> assertThat(line).contains("sasl.jaas.config = [hidden]"));
        assertThat(log).noneSatisfy(line -> assertThat(line).containsAnyOf(SLUICE_PASSWORD, CLIENT_PASSWORD, ADMIN_PASSWORD));
    }

    /** What {@code body} makes the log say, messages and stack traces, with the log at INFO (Kafka's clients log their settings there). */
    private static List<String> logged(ThrowingRunnable body) throws Exception {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level level = root.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        root.setLevel(Level.INFO);
        try {
            body.run();
        } finally {
            root.setLevel(level);
            root.detachAppender(appender);
        }
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event : appender.list) {
            lines.add(event.getFormattedMessage() + (event.getThrowableProxy() == null ? ""
                    : ThrowableProxyUtil.asString(event.getThrowableProxy())));
        }
        assertThat(lines).as("the log while the pipeline ran").isNotEmpty();
        return lines;
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Runs the JDK's keytool, failing with its output if it fails. */
    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("keytool " + String.join(" ", args) + ": " + output).isZero();
    }

    @Test
    void shouldRunOverTlsWithTheSettingsOfTheConfigurationAndLogNoPassword() throws Exception {
        Path tls = Files.createDirectories(dir.resolve("tls"));
        String keyPassword = "key-pw-93fa";
        String trustPassword = "trust-pw-2d6e";
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=IP:127.0.0.1,DNS:localhost", "-storetype", "PKCS12",
                "-keystore", tls.resolve("broker.p12").toString(), "-storepass", keyPassword, "-keypass", keyPassword);
        keytool("-exportcert", "-alias", "broker", "-keystore", tls.resolve("broker.p12").toString(), "-storepass",
                keyPassword, "-file", tls.resolve("broker.cer").toString());
        keytool("-importcert", "-noprompt", "-alias", "broker", "-file", tls.resolve("broker.cer").toString(),
                "-storetype", "PKCS12", "-keystore", tls.resolve("trust.p12").toString(), "-storepass", trustPassword);
        List<String> log;
        try (EmbeddedKafka secured = EmbeddedKafka.startTls(tls.resolve("broker.p12"), keyPassword,
                tls.resolve("trust.p12"), trustPassword)) {
            Map<String, Object> client = new HashMap<>(EmbeddedKafka.tls(tls.resolve("trust.p12"), trustPassword));
            client.put("bootstrap.servers", secured.bootstrapServers());
            // as a configuration file gives them: under kafka.
            Map<String, Object> settings = new HashMap<>(Map.of(SluiceConfig.TOPICS_PREFIX_CONFIG, "tls",
                    SluiceConfig.REGISTRY_URL_CONFIG, "mem://security-it"));
            client.forEach((key, value) -> settings.put(SluiceConfig.KAFKA_PREFIX + key, value));
            log = logged(() -> {
                try (SluiceRunner runner = SluiceRunner.start(new SluiceConfig(settings), PIPELINE,
                        Map.of(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("tls-state").toString()));
                     JobClient<Object, Object> jobs = JobClient.create(client, SluiceTopics.create("tls", AvroSerdes.forUrl("mem://security-it")))) {
                    runner.awaitRunning(WITHIN);
                    String id = jobs.submit(Jobs.text("over-tls", "d", "A document over TLS.")).get().getJobId();
                    assertThat(jobs.await(id, WITHIN).getStatus()).hasToString("COMPLETED");
                }
            });
        }
        assertThat(log).anySatisfy(line -> assertThat(line).contains("ssl.truststore.password = [hidden]"));
        assertThat(log).noneSatisfy(line -> assertThat(line).containsAnyOf(trustPassword, keyPassword));
    }

    @Test
    void shouldRefuseToStartNamingATopicOperationThePrincipalLacks() throws Exception {
        grant("nodlq", row -> row.principal().equals("pipeline") && row.name().equals("<prefix>.dlq"));
        assertThatThrownBy(() -> start("nodlq").close())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not allowed WRITE on topic nodlq.dlq, DESCRIBE on topic nodlq.dlq")
                .hasMessageContaining("docs/security.md");
    }

    @Test
    void shouldStopNamingTheGroupWhenThePrincipalMayNotReadIt() throws Exception {
        grant("nogroup", row -> row.resource() == ResourceType.GROUP);
        try (SluiceRunner runner = start("nogroup")) {
            assertThatThrownBy(() -> runner.awaitRunning(WITHIN))
                    .hasMessageContaining("GroupAuthorizationException")
                    .hasMessageContaining("nogroup-" + PIPELINE.name())
                    .hasMessageContaining("docs/security.md");
        }
    }
}
