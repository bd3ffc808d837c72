package dev.sluice.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * {@code sluice} as users start it: the packaged jar in a JVM of its own, its output in
 * {@code <dir>/out.log} and {@code <dir>/err.log}.
 */
public final class SluiceProcess implements AutoCloseable {

    /** The packaged jar: this module's, or where system property {@code sluice.jar} says (another module's tests). */
    public static final Path JAR = Path.of(System.getProperty("sluice.jar", Path.of("target", "sluice.jar").toString()));

    private final Path dir;
    private final Process process;

    private SluiceProcess(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
    }

    /**
     * A process builder for {@code sluice ARGS}, logging to {@code dir}, and with its temporary files
     * there too: a process killed with SIGKILL cannot delete them (RocksDB's native library, 15 MB a
     * process, would pile up in /tmp), the test's own temporary directory goes with the test.
     */
    public static ProcessBuilder builder(Path dir, String... args) throws IOException {
        return builder(dir, List.of("-jar", JAR.toString()), args);
    }

    private static ProcessBuilder builder(Path dir, List<String> launch, String... args) throws IOException {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-Djava.io.tmpdir=" + tmp));
        command.addAll(launch);
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectOutput(dir.resolve("out.log").toFile())
                .redirectError(dir.resolve("err.log").toFile());
    }

    /** Starts {@code sluice ARGS} with {@code env} added to its environment. */
    public static SluiceProcess start(Path dir, Map<String, String> env, String... args) throws IOException {
        ProcessBuilder builder = builder(dir, args);
        builder.environment().putAll(env);
        return new SluiceProcess(dir, builder.start());
    }

    /**
     * As {@link #start}, with this module's test classes on the class path after the jar's: for a
     * pipeline whose configuration names a stage class of the tests.
     */
    public static SluiceProcess startWithTestClasses(Path dir, Map<String, String> env, String... args)
            throws IOException {
        String classPath = JAR + java.io.File.pathSeparator + Path.of("target", "test-classes");
        // the tests' logback-test.xml would win over the jar's logback.xml
        ProcessBuilder builder = builder(dir, List.of("-Dlogback.configurationFile=logback.xml", "-cp", classPath,
                "dev.sluice.app.cli.Main"), args);
        builder.environment().putAll(env);
        return new SluiceProcess(dir, builder.start());
    }

    public Process process() {
        return process;
    }

    /** Its standard error so far. */
    public String err() throws IOException {
        Path err = dir.resolve("err.log");
        return Files.exists(err) ? Files.readString(err, StandardCharsets.UTF_8) : "";
    }

    /** Waits until its standard error contains {@code text}; fails at once if it exits first. */
    public void awaitLog(String text, Duration timeout) {
        try {
            Awaitility.await("'" + text + "' in the log of sluice in " + dir).atMost(timeout)
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        String log = err();
                        if (!process.isAlive() && !log.contains(text)) {
                            throw new AssertionError("sluice exited with " + process.exitValue() + ":\n" + log);
                        }
                        return log.contains(text);
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; " + describe(4_000), e);
        }
    }

    /** Whether it runs or how it exited, and the last {@code chars} characters of its log: for a failure's message. */
    public String describe(int chars) {
        String log;
        try {
            log = err();
        } catch (IOException unreadable) {
            log = "(its log cannot be read: " + unreadable + ")";
        }
        return "sluice in " + dir + (process.isAlive() ? " is running" : " exited with " + process.exitValue())
                + "; the end of its log:\n" + log.substring(Math.max(0, log.length() - chars));
    }

    /** Kills it with SIGKILL: no shutdown hook runs, nothing is flushed or committed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Stops it with SIGTERM, as an operator would, and waits for it to exit. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
