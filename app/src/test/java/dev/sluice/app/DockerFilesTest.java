package dev.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.app.cli.Main;
import dev.sluice.app.embedded.ApicurioRegistry;
import dev.sluice.app.gateway.Gateway;
import dev.sluice.app.gateway.GatewayAccess;
import dev.sluice.app.runtime.ConfigLoader;
import dev.sluice.app.runtime.ConnectWorker;
import dev.sluice.connectors.DirectorySourceConnector;
import dev.sluice.connectors.ResultsFileSinkConnector;
import dev.sluice.topology.SluiceConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.runtime.SinkConnectorConfig;
import org.apache.kafka.connect.runtime.SourceConnectorConfig;
import org.apache.kafka.connect.runtime.standalone.StandaloneConfig;
import org.apache.kafka.connect.sink.SinkConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine.ParseResult;

/**
 * Docker cannot run on the machines that build Sluice, so this test reads docker/Dockerfile and
 * docker/compose.yaml and holds every setting, port, topic, path and image tag they name to what
 * the project has: a renamed key, a moved file or a bumped version fails the build here.
 */
class DockerFilesTest {

    private static final Path ROOT = Path.of("..");
    private static final Path DOCKER = ROOT.resolve("docker");

    private static final JsonNode COMPOSE = read();
    private static final List<String> DOCKERFILE = lines(DOCKER.resolve("Dockerfile"));

    /** compose.yaml as Compose reads it: SnakeYAML resolves its anchors and merge keys, which Jackson's reader keeps as text. */
    private static JsonNode read() {
        try (Reader in = Files.newBufferedReader(DOCKER.resolve("compose.yaml"), StandardCharsets.UTF_8)) {
            Object tree = new Yaml().load(in);
            return new ObjectMapper().valueToTree(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Dockerfile's instructions, a line each (continuations joined), comments left out. */
    private static List<String> lines(Path file) {
        try {
            List<String> instructions = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                if (line.endsWith("\\")) {
                    current.append(line, 0, line.length() - 1).append(' ');
                } else {
                    instructions.add(current.append(line).toString().trim());
                    current.setLength(0);
                }
            }
            return instructions;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> instructions(String keyword) {
        return DOCKERFILE.stream().filter(line -> line.startsWith(keyword + " ")).map(line -> line.substring(keyword.length() + 1).trim()).toList();
    }

    private static List<String> jsonArray(String text) throws IOException {
        List<String> items = new ArrayList<>();
        new ObjectMapper().readTree(text).forEach(item -> items.add(item.asText()));
        return items;
    }

    private static JsonNode service(String name) {
        JsonNode service = COMPOSE.path("services").path(name);
        assertThat(service.isObject()).as("compose.yaml service " + name).isTrue();
        return service;
    }

    private static List<String> command(JsonNode service) {
        List<String> command = new ArrayList<>();
        service.path("command").forEach(arg -> command.add(arg.asText()));
        return command;
    }

    /** The service's volumes, container path to host path (relative to docker/), or to the named volume. */
    private static Map<String, String> volumes(JsonNode service) {
        Map<String, String> volumes = new LinkedHashMap<>();
        for (JsonNode volume : service.path("volumes")) {
            String[] parts = volume.asText().split(":");
            volumes.put(parts[1], parts[0]);
        }
        return volumes;
    }

    /** The host file a container path of {@code service} names, through its bind mounts. */
    private static Path hostPath(JsonNode service, String containerPath) {
        for (Map.Entry<String, String> volume : volumes(service).entrySet()) {
            String target = volume.getKey();
            if (volume.getValue().startsWith("./") && (containerPath.equals(target) || containerPath.startsWith(target + "/"))) {
                return DOCKER.resolve(volume.getValue()).resolve(containerPath.substring(target.length()).replaceFirst("^/", ""));
            }
        }
        throw new AssertionError(containerPath + " is not under a bind mount of the service: " + volumes(service));
    }

    private static Set<Integer> containerPorts(JsonNode service) {
        Set<Integer> ports = new HashSet<>();
        service.path("ports").forEach(port -> ports.add(Integer.parseInt(port.asText().substring(port.asText().lastIndexOf(':') + 1))));
        return ports;
    }

    /** The plugins directory the image makes (empty), and one here that stands in for it. */
    private static final String IMAGE_PLUGINS = "/opt/sluice/plugins";
    @TempDir
    static Path emptyPlugins;

    private static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new HashMap<>();
        for (String line : instructions("ENV")) {
            env.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
        }
        service.path("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        // the image's plugins directory exists only in the image, made empty there: an empty one stands in
        env.computeIfPresent("SLUICE_PLUGINS_PATH", (key, path) -> path.equals(IMAGE_PLUGINS)
                ? emptyPlugins.toString() : path);
        return env;
    }

    private static ParseResult parse(List<String> args) {
        return Main.commandLine().parseArgs(args.toArray(String[]::new)).subcommand();
    }

    private static String pomProperty(String name) throws IOException {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertThat(m.find()).as("pom.xml property " + name).isTrue();
        return m.group(1).trim();
    }

    @Test
    void shouldRunTheKafkaAndRegistryVersionsTheProjectIsBuiltAndTestedWith() throws IOException {
        assertThat(service("kafka").path("image").asText()).isEqualTo("apache/kafka:" + pomProperty("kafka.version"));
        assertThat(service("registry").path("image").asText()).isEqualTo("apicurio/apicurio-registry:" + ApicurioRegistry.VERSION);
        String release = pomProperty("maven.compiler.release");
        assertThat(instructions("FROM")).containsExactly("maven:3.9-eclipse-temurin-" + release + " AS build",
                "eclipse-temurin:" + release + "-jre");
        String listeners = service("kafka").path("environment").path("KAFKA_ADVERTISED_LISTENERS").asText();
        assertThat(listeners).contains("//kafka:9092");
        assertThat(containerPorts(service("registry"))).containsExactly(8080);
    }

    @Test
    void shouldBuildFromPathsThatExistAndRunTheJarItCopies() throws IOException {
        for (String copy : instructions("COPY")) {
            String[] parts = copy.split("\\s+");
            if (parts[0].startsWith("--from=build")) {
                String source = parts[1].replaceFirst("^/src/", "");
                if (source.startsWith("app/target/")) {
                    assertThat(Files.readString(ROOT.resolve("app/pom.xml"))).contains("<finalName>sluice</finalName>",
                            "<outputDirectory>${project.build.directory}/lib</outputDirectory>");
                } else {
                    assertThat(ROOT.resolve(source)).as("COPY " + copy).exists();
                }
            } else {
                assertThat(ROOT.resolve(parts[0])).as("COPY " + copy).exists();
            }
        }
        assertThat(instructions("COPY")).contains("--from=build /src/app/target/sluice.jar /opt/sluice/sluice.jar");
        List<String> entrypoint = jsonArray(instructions("ENTRYPOINT").get(0));
        assertThat(entrypoint).endsWith("-jar", "/opt/sluice/sluice.jar");
        List<String> cmd = jsonArray(instructions("CMD").get(0));
        ParseResult run = parse(cmd);
        assertThat(run.commandSpec().name()).isEqualTo("run");
        assertThat(run.matchedOptionValue("--config", (Path) null).toString()).startsWith("/opt/sluice/examples/");
        assertThat(ROOT.resolve("examples").resolve(Path.of(cmd.get(cmd.indexOf("--config") + 1)).getFileName())).exists();
        assertThat(instructions("USER")).containsExactly("sluice");
        // a directory of plugin jars to mount, which the image makes so that an image without one starts
        assertThat(instructions("ENV")).contains("SLUICE_PLUGINS_PATH=" + IMAGE_PLUGINS);
        assertThat(instructions("RUN")).anySatisfy(line -> assertThat(line).contains("mkdir -p /var/lib/sluice /opt/sluice/plugins"));
    }

    @Test
    void shouldStartEachSluiceInstanceWithSettingsItKnowsAndItsGatewayOnThePortsTheChecksUse() throws Exception {
        int exposed = Integer.parseInt(instructions("EXPOSE").get(0));
        assertThat(instructions("HEALTHCHECK").get(0)).contains("http://localhost:" + exposed + "/health/ready");
        assertThat(Gateway.OPENAPI).contains("\"/health/ready\"");
        Set<String> volumesOfTheImage = new HashSet<>(instructions("VOLUME"));
        for (String name : List.of("sluice-1", "sluice-2")) {
            JsonNode service = service(name);
            ParseResult run = parse(command(service));
            assertThat(run.commandSpec().name()).as(name).isEqualTo("run");
            assertThat(run.matchedOptionValue("--http", 0)).as(name + " --http").isEqualTo(exposed);
            assertThat(containerPorts(service)).as(name + " ports").containsExactly(exposed);
            assertThat(service.path("hostname").asText()).as(name + ": application.server is its host name").isEqualTo(name);
            Path config = hostPath(service, run.matchedOptionValue("--config", (Path) null).toString());
            // every key of the file and the environment is one Sluice knows, with a valid value
            ConfigLoader.Loaded loaded = ConfigLoader.load(config, environment(service), Map.of());
            SluiceConfig settings = loaded.config();
            assertThat(settings.kafka().get("bootstrap.servers")).isEqualTo("kafka:9092");
            assertThat(settings.registryUrl()).isEqualTo("http://registry:8080/apis/ccompat/v7");
            // the gateway listens on the container's every interface: sluice run would refuse it without a token
            assertThat(settings.httpToken()).as(name + " http.token").isNotNull();
            GatewayAccess.of(settings).refuseOpenExposure("0.0.0.0", exposed, run.matchedOptionValue("--http-insecure", false));
            String stateDir = String.valueOf(settings.kafka().get("state.dir"));
            assertThat(volumesOfTheImage).anySatisfy(volume -> assertThat(stateDir).startsWith(volume));
            assertThat(volumes(service)).anySatisfy((target, source) -> assertThat(stateDir).startsWith(target));
        }
    }

    @Test
    void shouldRunConnectWithWorkerAndConnectorSettingsThatExistPointedAtThePipelinesTopics() throws Exception {
        JsonNode connect = service("connect");
        ParseResult parsed = parse(command(connect));
        assertThat(parsed.commandSpec().name()).isEqualTo("connect");
        List<String> files = command(connect).subList(1, command(connect).size());
        Map<String, String> worker = ConnectWorker.load(hostPath(connect, files.get(0)));
        assertWorkerKeysExist(worker);
        int restPort = URI.create(worker.get("listeners")).getPort();
        assertThat(containerPorts(connect)).containsExactly(restPort);
        assertThat(connect.path("healthcheck").path("test").toString()).contains("http://localhost:" + restPort + "/");

        JsonNode sluice = service("sluice-1");
        ConfigLoader.Loaded loaded = ConfigLoader.load(hostPath(sluice, "/etc/sluice/pipeline.yaml"), environment(sluice), Map.of());
        assertThat(worker.get("bootstrap.servers")).isEqualTo(loaded.config().kafka().get("bootstrap.servers"));
        Map<String, Map<String, String>> connectors = new HashMap<>();
        for (String file : files.subList(1, files.size())) {
            Map<String, String> props = ConnectWorker.load(hostPath(connect, file));
            assertConnectorKeysExist(props, file);
            assertThat(props.get("registry.url")).as(file).isEqualTo(loaded.config().registryUrl());
            connectors.put(props.get("connector.class"), props);
        }
        Map<String, String> source = connectors.get(DirectorySourceConnector.class.getName());
        Map<String, String> sink = connectors.get(ResultsFileSinkConnector.class.getName());
        assertThat(source.get("topics.prefix")).isEqualTo(loaded.config().topicPrefix());
        assertThat(sink.get("topics")).isEqualTo(loaded.config().topicPrefix() + ".results");
        assertThat(hostPath(connect, source.get("directory"))).isDirectory();
        assertThat(hostPath(connect, sink.get("file")).getParent()).isDirectory();
        assertThat(volumes(connect).keySet()).as("the offsets outlive the container").anySatisfy(target ->
                assertThat(worker.get("offset.storage.file.filename")).startsWith(target + "/"));
    }

    @Test
    void shouldShipConnectorConfigsWhoseKeysExist() throws Exception {
        assertWorkerKeysExist(ConnectWorker.load(ROOT.resolve("connectors/config/worker.properties")));
        for (String file : List.of("directory-source.properties", "results-file-sink.properties")) {
            assertConnectorKeysExist(ConnectWorker.load(ROOT.resolve("connectors/config").resolve(file)), file);
        }
    }

    private static void assertWorkerKeysExist(Map<String, String> worker) {
        Set<String> known = new StandaloneConfig(worker).values().keySet();
        for (String key : worker.keySet()) {
            if (!key.startsWith("config.providers.") && !key.startsWith("producer.") && !key.startsWith("consumer.")) {
                assertThat(known).as("worker setting " + key).contains(key);
            }
        }
    }

    private static void assertConnectorKeysExist(Map<String, String> props, String file) throws Exception {
        Class<?> type = Class.forName(props.get("connector.class"));
        Connector connector = (Connector) type.getDeclaredConstructor().newInstance();
        ConfigDef connect = connector instanceof SinkConnector ? SinkConnectorConfig.configDef() : SourceConnectorConfig.configDef();
        Set<String> known = new HashSet<>(connect.names());
        known.addAll(connector.config().names());
        for (String key : props.keySet()) {
            assertThat(known).as(file + ": setting " + key).contains(key);
        }
    }
}
