package dev.sluice.app.cli;

import dev.sluice.app.bench.BenchCommand;
import dev.sluice.app.internal.CommonPool;
import dev.sluice.topology.pipeline.InvalidPipelineException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.utils.AppInfoParser;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code sluice} command. */
@Command(name = "sluice",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        header = "Document-ingestion pipelines on Apache Kafka.",
        description = {
            "",
            "Jobs go into <prefix>.jobs, a Kafka Streams topology carries each one through named stages, and"
                    + " exactly one result per job comes out of <prefix>.results.",
            ""
        },
        subcommands = {DemoCommand.class, RunCommand.class, DescribeCommand.class, CancelCommand.class,
            SubmitCommand.class, ResultsCommand.class, StatusCommand.class, RegistryCommand.class, SchemasCommand.class,
            PauseCommand.Pause.class, PauseCommand.Resume.class, DlqCommand.class, ConnectCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "Run 'sluice help COMMAND' for a command's options."})
public final class Main {

    /** Exit code for a configuration error. */
    public static final int CONFIG_ERROR = 2;

    private Main() {
    }

    public static void main(String[] args) {
        CommonPool.atLeastTwoThreads();
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code, without exiting. */
    public static int execute(String... args) {
        CommandLine cli = commandLine();
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            Throwable cause = e;
            while (cause != null && !(cause instanceof ConfigException) && !(cause instanceof InvalidPipelineException)
                    && cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            if (cause instanceof ConfigException || cause instanceof InvalidPipelineException) {
                commandLine.getErr().println("sluice: configuration error: " + cause.getMessage());
                return CONFIG_ERROR;
            }
            commandLine.getErr().println("sluice: " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    /** The command line with every command, as {@code sluice} parses it. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main()).setUsageHelpAutoWidth(true);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"sluice " + (version == null ? "development build" : version)
                    + " (Kafka Streams " + AppInfoParser.getVersion() + ")"};
        }
    }
}
