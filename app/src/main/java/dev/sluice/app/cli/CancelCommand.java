package dev.sluice.app.cli;

import dev.sluice.app.runtime.ConfigLoader;
import dev.sluice.app.runtime.SluiceRunner;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.Result;
import dev.sluice.topology.pipeline.PipelineConfig;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice cancel}: stop jobs on every instance, through the control topic. */
@Command(name = "cancel",
        mixinStandardHelpOptions = true,
        header = "Cancel jobs: every instance stops work on them at their next stage.",
        description = {
            "",
            "Writes a cancel command per job to <prefix>.control, which every instance reads, then waits for"
                    + " each job's result: CANCELLED, or how it ended if it finished first. A cancel applies to a"
                    + " job with that id submitted before it; cancelling an unknown or finished job changes"
                    + " nothing.",
            ""
        })
final class CancelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "JOB", arity = "1..*", description = "The ids of the jobs to cancel.")
    List<String> jobIds;

    @picocli.CommandLine.Mixin
    DeploymentOption deployment;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, kept with the command.")
    String reason;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long to wait for each job's result (default: ${DEFAULT-VALUE}).")
    String wait;

    @Override
    public Integer call() throws Exception {
        ConfigLoader.Loaded loaded = deployment.load();
        Duration timeout = PipelineConfig.duration("--wait", wait, Duration.ofSeconds(10));
        PrintWriter out = spec.commandLine().getOut();
        try (JobClient<Object, Object> client = SluiceRunner.client(loaded)) {
            for (String id : jobIds) {
                client.cancel(id, reason);
            }
            for (String id : jobIds) {
                out.println(answer(client, id, timeout));
            }
        }
        out.flush();
        return 0;
    }

    private static String answer(JobClient<Object, Object> client, String id, Duration timeout) throws InterruptedException {
        try {
            Result<Object> result = client.await(id, timeout);
            if (result.getStatus() == JobStatus.CANCELLED) {
                return "job " + id + ": cancelled before stage " + result.getError().getStage();
            }
            return "job " + id + ": not cancelled, it had already ended " + result.getStatus();
        } catch (TimeoutException e) {
            return "job " + id + ": no result within " + timeout.toMillis() + " ms; it is unknown or ended before,"
                    + " and the cancel changes nothing (a job that waits for a retry or a batch past that time ends"
                    + " CANCELLED when its wait is over)";
        }
    }
}
