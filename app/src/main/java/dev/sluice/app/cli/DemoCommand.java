package dev.sluice.app.cli;

import dev.sluice.app.embedded.Demo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice demo}: the pipeline on the sample documents, on a broker inside this JVM. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        header = "Run the pipeline on the sample documents on a Kafka broker inside this JVM.",
        description = {
            "",
            "Starts a real Kafka broker in this JVM (KRaft, 127.0.0.1, ephemeral ports, a temporary directory),"
                    + " runs the pipeline on the sample documents through the job client, prints one line per"
                    + " result and a summary, then stops everything and removes its files.",
            "",
            "Exit code 0 when every job completed, 1 otherwise, 2 for a configuration error.",
            ""
        })
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-d", "--docs"}, paramLabel = "DIR",
            description = "Documents to submit, one job per file (default: examples/documents).")
    Path docs;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Pipeline configuration (default: the built-in ingest pipeline); its Kafka"
                    + " bootstrap servers are replaced by the embedded broker's.")
    Path config;

    @Option(names = "--passthrough", description = "Run the no-op pass-through mode instead of the pipeline.")
    boolean passThrough;

    @Option(names = "--registry", paramLabel = "KIND", defaultValue = "mem",
            description = "mem: the in-memory registry (default); apicurio: a real Apicurio Registry in a child JVM"
                    + " (as sluice registry starts; fetched through Maven the first time).")
    String registry;

    @Option(names = "--serve", paramLabel = "PORT",
            description = "After the documents, keep the broker and the pipeline running with the HTTP gateway and"
                    + " its dashboard (http://127.0.0.1:PORT/) until interrupted.")
    Integer servePort;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "Give up waiting for results after this long (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!registry.equals("mem") && !registry.equals("apicurio")) {
            throw new ConfigException("--registry", registry, "must be mem or apicurio");
        }
        Demo demo = new Demo(docs == null ? Demo.defaultDocuments() : docs, config, passThrough,
                Duration.ofSeconds(timeoutSeconds), out, registry.equals("apicurio"));
        Thread hook = null;
        if (servePort != null) {
            demo.serving(servePort);
            hook = new Thread(() -> {
                demo.stop();
                try {
                    // let the demo stop the pipeline and the broker and remove its files before the JVM ends
                    demo.awaitFinished(Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "sluice-demo-stop");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        Demo.Report report;
        try {
            report = demo.run();
        } finally {
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running
                }
            }
        }
        out.flush();
        return report.failed() == 0 && report.completed() == report.jobs() ? 0 : 1;
    }
}
