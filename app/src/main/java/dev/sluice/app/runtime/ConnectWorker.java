package dev.sluice.app.runtime;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.util.FutureCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka Connect standalone worker in this JVM (Connect's own runtime, as connect-standalone runs
 * it) with the given connectors: what {@code sluice connect} runs, and what ConnectIT tests against a
 * real broker. Sluice's connectors are found through their {@code META-INF/services} entries
 * ({@code plugin.discovery=service_load} unless the worker's properties say otherwise).
 */
public final class ConnectWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConnectWorker.class);
    private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(60);

    private final Connect<StandaloneHerder> connect;

    private ConnectWorker(Connect<StandaloneHerder> connect) {
        this.connect = connect;
    }

    /**
     * Starts a worker with {@code worker}'s properties and creates each connector of {@code connectors}
     * (each with its {@code name}).
     *
     * @throws IllegalArgumentException when a connector's configuration is not valid: Connect's own
     *     message, which names each key at fault; the worker is stopped
     */
    public static ConnectWorker start(Map<String, String> worker, List<Map<String, String>> connectors) throws InterruptedException {
        Map<String, String> props = new HashMap<>(worker);
        if (!props.containsKey("plugin.path")) {
            props.putIfAbsent("plugin.discovery", "service_load");
        }
        ConnectWorker started = new ConnectWorker(new ConnectStandalone().startConnect(props));
        try {
            for (Map<String, String> connector : connectors) {
                started.create(connector);
            }
            started.connect.herder().ready();
        } catch (RuntimeException | InterruptedException e) {
            started.close();
            throw e;
        }
        return started;
    }

    private void create(Map<String, String> config) throws InterruptedException {
        String name = config.get("name");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a connector's properties need name=...; these have none: "
                    + config.keySet());
        }
        FutureCallback<Herder.Created<ConnectorInfo>> created = new FutureCallback<>();
        connect.herder().putConnectorConfig(name, config, false, created);
        try {
            created.get(CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            log.info("connector {} created", name);
        } catch (ExecutionException e) {
            throw new IllegalArgumentException("connector " + name + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("connector " + name + " was not created within " + CREATE_TIMEOUT, e);
        }
    }

    /** The worker's REST API, e.g. http://127.0.0.1:8083/. */
    public URI restUrl() {
        return connect.rest().advertisedUrl();
    }

    /** Waits until the worker stops: on {@link #close}, or on the JVM's shutdown (Connect's own hook). */
    public void awaitStop() {
        connect.awaitStop();
    }

    /** Stops every connector, committing the offsets of what they sent, and the worker. */
    @Override
    public void close() {
        connect.stop();
    }

    /** The properties of a file, as connect-standalone reads them. */
    public static Map<String, String> load(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(key -> map.put(key, properties.getProperty(key)));
        return map;
    }
}
