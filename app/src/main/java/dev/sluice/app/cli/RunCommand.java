package dev.sluice.app.cli;

import dev.sluice.app.gateway.Gateway;
import dev.sluice.app.gateway.GatewayAccess;
import dev.sluice.app.gateway.GatewayAddress;
import dev.sluice.app.runtime.ConfigLoader;
import dev.sluice.app.runtime.SluiceRunner;
import dev.sluice.client.JobClient;
import dev.sluice.topology.SluiceConfig;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice run}: one pipeline instance against a Kafka cluster, until stopped. */
@Command(name = "run",
        mixinStandardHelpOptions = true,
        header = "Run a pipeline against a Kafka cluster until interrupted.",
        description = {
            "",
            "Runs one instance of the pipeline until Ctrl-C or SIGTERM. Start more instances with the same"
                    + " configuration to share the partitions.",
            "",
            "Settings come from the file, then from SLUICE_* environment variables over it:"
                    + " SLUICE_KAFKA_BOOTSTRAP_SERVERS sets kafka.bootstrap.servers, SLUICE_TOPICS_PREFIX sets"
                    + " topics.prefix, SLUICE_STAGES_SPLIT_SIZE sets the size parameter of stage split.",
            "",
            "An unknown key or an invalid value stops start-up with exit code 2 and a message naming the key;"
                    + " exit code 1 means the pipeline stopped after a failure.",
            ""
        })
final class RunCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "YAML configuration: pipeline, topics, registry, kafka settings (see docs/settings.md).")
    Path config;

    @Option(names = "--plugins", paramLabel = "DIR",
            description = "Load every jar in DIR before reading the pipeline: stages of your own, named by class or"
                    + " by the type a StageFactory in a jar registers (the setting plugins.path).")
    Path plugins;

    @Option(names = "--lanes", paramLabel = "LANE", split = ",",
            description = "Run only these parts of the pipeline: main (reads <prefix>.jobs) and lane names (read"
                    + " <prefix>.jobs.<lane>), e.g. --lanes bulk for a group that takes only long documents."
                    + " Default: all. Each part runs under an application.id of its own (<prefix>-<pipeline>"
                    + " for main, <prefix>-<pipeline>-<lane> for a lane), so instances that run a part, alone"
                    + " or with others, share its partitions.")
    List<String> lanes = List.of();

    @Option(names = "--http", paramLabel = "PORT",
            description = "Also serve the HTTP gateway on this port: the dashboard at /, POST /v1/jobs,"
                    + " GET /v1/jobs/{id} and its /events, DELETE /v1/jobs/{id}, POST /v1/pipeline/pause and /resume,"
                    + " GET /v1/stats, /metrics, /health/live and /health/ready (see docs/http.md and /openapi.json).")
    Integer httpPort;

    @Option(names = "--http-host", paramLabel = "HOST", defaultValue = "0.0.0.0",
            description = "The address the gateway listens on (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Option(names = "--http-insecure", description = "Serve the gateway with no token on an address others can reach"
            + " (by default refused: set http.token, or listen on 127.0.0.1).")
    boolean httpInsecure;

    @Override
    public Integer call() throws Exception {
        ConfigLoader.Loaded loaded = ConfigLoader.load(config, System.getenv(), plugins == null ? Map.of()
                : Map.of(SluiceConfig.PLUGINS_PATH_CONFIG, plugins.toString()));
        if (loaded.config().registryUrl().startsWith("mem://")) {
            log.warn("registry.url is {}: an in-memory registry lives in this JVM; other processes read and write"
                    + " these topics only if they register the same schemas in one of their own (ids derive from the"
                    + " schema). Give a schema registry URL in production", loaded.config().registryUrl());
        }
        GatewayAccess access = GatewayAccess.of(loaded.config());
        if (httpPort != null) {
            access.refuseOpenExposure(httpHost, httpPort, httpInsecure);
        }
        GatewayAddress address = httpPort == null ? null : GatewayAddress.of(httpHost, httpPort,
                loaded.config().kafka().get(StreamsConfig.APPLICATION_SERVER_CONFIG));
        SluiceRunner runner = SluiceRunner.start(loaded.config(), loaded.pipeline(),
                address == null ? Map.of() : address.streamsProperties(), new LinkedHashSet<>(lanes));
        JobClient<Object, Object> client = httpPort == null ? null : SluiceRunner.client(loaded, JobClient.KEPT_RESULTS,
                JobClient.DEFAULT_MAX_IN_FLIGHT, Gateway.CLIENT_SETTINGS);
        Gateway gateway = client == null ? null
                : Gateway.serve(client, runner, loaded.config(), loaded.pipeline(), address, access);
        Thread hook = new Thread(() -> {
            log.info("stopping");
            closeEdge(gateway, client);
            runner.close();
        }, "sluice-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (runner.awaitStop()) {
                log.error("pipeline stopped after a failure; see the error above");
                return 1;
            }
            return 0;
        } catch (InterruptedException e) {
            log.info("stopping");
            return 0;
        } finally {
            closeEdge(gateway, client);
            runner.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }

    private static void closeEdge(Gateway gateway, JobClient<Object, Object> client) {
        if (gateway != null) {
            gateway.close();
        }
        if (client != null) {
            client.close();
        }
    }
}
