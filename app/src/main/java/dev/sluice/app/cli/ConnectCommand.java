package dev.sluice.app.cli;

import dev.sluice.app.runtime.ConnectWorker;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice connect WORKER CONNECTOR...}: a Kafka Connect standalone worker in this process. */
@Command(name = "connect",
        mixinStandardHelpOptions = true,
        header = "Run a Kafka Connect standalone worker with Sluice's connectors, until interrupted.",
        description = {
            "",
            "As connect-standalone does: WORKER is the worker's properties, each CONNECTOR a connector's (with"
                    + " its name). Sluice's directory source turns files into jobs on <prefix>.jobs; its results"
                    + " sink appends <prefix>.results to a file as JSON lines. Ready-made files are in"
                    + " connectors/config. Offsets are kept in the worker's offset.storage.file.filename, so a"
                    + " restart goes on where the last one stopped. An invalid connector configuration stops the"
                    + " worker at start-up, naming the key.",
            ""
        })
final class ConnectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "WORKER", description = "The worker's properties file.")
    Path worker;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CONNECTOR", description = "A connector's properties file.")
    List<Path> connectors;

    @Override
    public Integer call() throws Exception {
        Map<String, String> workerProps = read(worker);
        List<Map<String, String>> connectorProps = new ArrayList<>();
        for (Path connector : connectors) {
            connectorProps.add(read(connector));
        }
        ConnectWorker running;
        try {
            running = ConnectWorker.start(workerProps, connectorProps);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("connect: worker at %s with %d connector(s) (%s); Ctrl-C stops%n", running.restUrl(),
                connectorProps.size(), String.join(", ", connectorProps.stream().map(p -> p.get("name")).toList()));
        out.flush();
        running.awaitStop();
        return 0;
    }

    private static Map<String, String> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("properties file " + file + " does not exist");
        }
        return ConnectWorker.load(file);
    }
}
