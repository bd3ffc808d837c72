package dev.sluice.app.cli;

import dev.sluice.app.runtime.ConfigLoader;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.pipeline.PipelineDescription;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice describe}: the pipeline as a graph. */
@Command(name = "describe",
        mixinStandardHelpOptions = true,
        header = "Print the pipeline as a graph: stages, branches, lanes, topics and stores.",
        description = {
            "",
            "Reads the configuration as `run` does (file, then SLUICE_* environment variables), checks the"
                    + " pipeline, and prints it. Nothing connects to Kafka.",
            ""
        })
final class DescribeCommand implements Callable<Integer> {

    enum Format { text, mermaid, dot }

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Pipeline configuration (default: the built-in ingest pipeline).")
    Path config;

    @Option(names = "--plugins", paramLabel = "DIR",
            description = "Load every jar in DIR before reading the pipeline: stages of your own, named by class or"
                    + " by the type a StageFactory in a jar registers (the setting plugins.path).")
    Path plugins;

    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "text, mermaid or dot (default: ${DEFAULT-VALUE}).")
    Format format;

    @Override
    public Integer call() throws Exception {
        ConfigLoader.Loaded loaded = ConfigLoader.load(config, System.getenv(), plugins == null ? Map.of()
                : Map.of(SluiceConfig.PLUGINS_PATH_CONFIG, plugins.toString()));
        String prefix = loaded.config().topicPrefix();
        PrintWriter out = spec.commandLine().getOut();
        out.print(switch (format) {
            case text -> PipelineDescription.text(loaded.pipeline(), prefix);
            case mermaid -> PipelineDescription.mermaid(loaded.pipeline(), prefix);
            case dot -> PipelineDescription.dot(loaded.pipeline(), prefix);
        });
        out.flush();
        return 0;
    }
}
