package dev.sluice.app;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice demo}: the pipeline on the sample documents, on a broker inside this JVM. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Start a real Kafka broker inside this JVM (KRaft, 127.0.0.1, a temporary directory),",
            "run the pipeline on the sample documents, print one line per result and a summary,",
            "then stop everything and exit: 0 when every job completed.",
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

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "Give up waiting for results after this long (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Demo.Report report = new Demo(docs == null ? Demo.defaultDocuments() : docs, config, passThrough,
                java.time.Duration.ofSeconds(timeoutSeconds), out).run();
        out.flush();
        return report.failed() == 0 && report.completed() == report.jobs() ? 0 : 1;
    }
}
