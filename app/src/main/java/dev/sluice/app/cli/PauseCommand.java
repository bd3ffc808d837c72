package dev.sluice.app.cli;

import dev.sluice.app.runtime.ConfigLoader;
import dev.sluice.app.runtime.SluiceRunner;
import dev.sluice.client.JobClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice pause} and {@code sluice resume}: every instance, through the control topic. */
abstract class PauseCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    DeploymentOption deployment;

    @Option(names = "--lane", paramLabel = "LANE",
            description = "Only this lane, on every instance that runs it; the rest of the pipeline goes on.")
    String lane;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, kept with the command.")
    String reason;

    abstract boolean pause();

    @Override
    public Integer call() throws Exception {
        ConfigLoader.Loaded loaded = deployment.load();
        if (lane != null && !loaded.pipeline().lanes().contains(lane)) {
            throw new ConfigException("--lane", lane, "pipeline " + loaded.pipeline().name() + " has no such lane; its"
                    + " lanes are " + loaded.pipeline().lanes());
        }
        try (JobClient<Object, Object> client = SluiceRunner.client(loaded)) {
            var written = pause() ? client.pause(lane, reason) : client.resume(lane, reason);
            PrintWriter out = spec.commandLine().getOut();
            out.println((pause() ? "pause of " : "resume of ") + (lane == null ? "the pipeline" : "lane " + lane)
                    + " written to " + written.topic() + "-" + written.partition() + "@" + written.offset()
                    + "; every instance " + (pause() ? "pauses" : "resumes") + " as it reads it, and an instance"
                    + " started later " + (pause() ? "starts paused" : "starts running"));
            out.flush();
        }
        return 0;
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            header = "Pause the pipeline, or one lane, on every instance until resumed.",
            description = {"", "Jobs wait in their topics meanwhile; none is lost. A restarted instance starts paused.",
                ""})
    static final class Pause extends PauseCommand {
        @Override
        boolean pause() {
            return true;
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            header = "Resume what sluice pause paused.")
    static final class Resume extends PauseCommand {
        @Override
        boolean pause() {
            return false;
        }
    }
}
