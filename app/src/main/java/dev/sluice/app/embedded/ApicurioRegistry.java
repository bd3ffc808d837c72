package dev.sluice.app.embedded;

import dev.sluice.app.internal.TempDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apicurio Registry in a child JVM, for the integration tests, {@code sluice demo --registry
 * apicurio} and {@code sluice registry}: never a container.
 *
 * <p>The distribution comes from Maven Central through Maven ({@value #GROUP}:{@value #ARTIFACT},
 * type tar.gz, classifier all): {@value #VERSION} when a Java 21 or later is found (this JVM, then
 * the JDKs under /usr/lib/jvm), else {@value #JAVA17_VERSION}, the last that runs on Java 17. It is
 * taken from the local Maven repository, fetched there with {@code mvn dependency:get} when missing,
 * and unpacked once under {@code ~/.cache/sluice/}. The registry listens on 127.0.0.1 only; its
 * storage is in memory, or H2 files in a directory that outlives a restart. {@link #close()} stops
 * it, and so does this JVM's exit.
 */
public final class ApicurioRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ApicurioRegistry.class);

    static final String GROUP = "io.apicurio";
    static final String ARTIFACT = "apicurio-registry-app";
    public static final String VERSION = "3.3.3";
    public static final String JAVA17_VERSION = "3.0.9";
    /** The path of the Confluent-compatible API under the registry's root. */
    public static final String CCOMPAT_PATH = "/apis/ccompat/v7";

    private final Process process;
    private final int port;
    private final String version;
    private final Path logFile;
    private final Path tempDir;
    private final Thread exitHook;

    private ApicurioRegistry(Process process, int port, String version, Path logFile, Path tempDir) {
        this.process = process;
        this.port = port;
        this.version = version;
        this.logFile = logFile;
        this.tempDir = tempDir;
        this.exitHook = new Thread(process::destroy, "apicurio-registry-stop");
        Runtime.getRuntime().addShutdownHook(exitHook);
    }

    /**
     * Starts a registry and waits until it is ready.
     *
     * @param port the HTTP port, 0 for a free one
     * @param dataDir where the registry keeps its data and log, kept after it stops; null for storage in
     *     memory and a log in a temporary directory that {@link #close()} removes
     * @param readyTimeout how long to wait for readiness
     */
    public static ApicurioRegistry start(int port, Path dataDir, Duration readyTimeout)
            throws IOException, InterruptedException {
        Distribution distribution = Distribution.find();
        Path home = distribution.unpacked();
        Path tempDir = dataDir == null ? Files.createTempDirectory("sluice-registry-") : null;
        Path dir = dataDir == null ? tempDir : Files.createDirectories(dataDir);
        int[] free = EmbeddedKafka.freePorts(2);
        int httpPort = port == 0 ? free[0] : port;
        int managementPort = free[1];
        List<String> command = new ArrayList<>(List.of(distribution.java().toString(), "-Xmx512m",
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + httpPort,
                "-Dquarkus.management.host=127.0.0.1", "-Dquarkus.management.port=" + managementPort));
        if (dataDir != null) {
            command.add("-Dapicurio.datasource.url=jdbc:h2:file:" + dir.toAbsolutePath().resolve("h2").resolve("registry"));
        }
        command.addAll(List.of("-jar", distribution.runnerJar(home).toString()));
        Path logFile = dir.resolve("registry.log");
        log.info("starting Apicurio Registry {} on {} (port {}, {})", distribution.version(), distribution.java(),
                httpPort, dataDir == null ? "storage in memory" : "storage in " + dir);
        Process process = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                .redirectOutput(logFile.toFile()).start();
        ApicurioRegistry registry = new ApicurioRegistry(process, httpPort, distribution.version(), logFile, tempDir);
        try {
            registry.awaitReady(managementPort, readyTimeout);
        } catch (IOException | InterruptedException | RuntimeException e) {
            registry.close();
            throw e;
        }
        return registry;
    }

    /** The registry's root URL, e.g. {@code http://127.0.0.1:8081}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The URL of its Confluent-compatible API: what {@code registry.url} takes. */
    public String ccompatUrl() {
        return url() + CCOMPAT_PATH;
    }

    public int port() {
        return port;
    }

    /** The Apicurio Registry version that runs. */
    public String version() {
        return version;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Stops the registry (and waits up to 20 s for it); its data directory, if it has one, stays. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        if (tempDir != null) {
            TempDirs.delete(tempDir);
        }
    }

    /**
     * Waits until the registry says it is ready (3.3 answers on its management port, 3.0 on its HTTP
     * port) and its Confluent-compatible API answers.
     */
    private void awaitReady(int managementPort, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<URI> probes = List.of(URI.create("http://127.0.0.1:" + managementPort + "/health/ready"),
                URI.create(url() + "/health/ready"));
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("Apicurio Registry exited with code " + process.exitValue() + " while starting;"
                        + " the end of its log (" + logFile + "):\n" + tail(logFile, 20));
            }
            if (probes.stream().anyMatch(ApicurioRegistry::answers200)
                    && answers200(URI.create(ccompatUrl() + "/subjects"))) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("Apicurio Registry was not ready after " + timeout.toSeconds() + " s; the end of"
                        + " its log (" + logFile + "):\n" + tail(logFile, 20));
            }
            Thread.sleep(250);
        }
    }

    public static boolean answers200(URI uri) {
        try {
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
            connection.setConnectTimeout(1000);
            connection.setReadTimeout(2000);
            try {
                return connection.getResponseCode() == 200;
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read it: " + e.getMessage() + ")";
        }
    }

    /** Which registry runs on which Java, and where its files are. */
    record Distribution(String version, Path java) {

        /**
         * The environment variable that names the JDK (its home) the registry runs on; not SLUICE_*,
         * which would be read as a configuration key.
         */
        static final String JAVA_ENV = "REGISTRY_JAVA_HOME";

        /**
         * The newest registry that a Java here runs: 3.3.3 on Java 21+, else 3.0.9 on this Java. The
         * environment variable {@value #JAVA_ENV} names the JDK to use instead (its home directory).
         */
        static Distribution find() {
            String chosen = System.getenv(JAVA_ENV);
            if (chosen != null && !chosen.isBlank()) {
                Path home = Path.of(chosen);
                Path java = home.resolve("bin").resolve("java");
                if (!Files.isExecutable(java)) {
                    throw new IllegalArgumentException(JAVA_ENV + " is " + chosen + ", which has no bin/java");
                }
                return new Distribution(featureVersion(home) >= 21 ? VERSION : JAVA17_VERSION, java);
            }
            return java21().map(java -> new Distribution(VERSION, java))
                    .orElseGet(() -> new Distribution(JAVA17_VERSION, currentJava()));
        }

        /** A Java 21 or later: this JVM, else the newest JDK under /usr/lib/jvm. */
        static Optional<Path> java21() {
            if (Runtime.version().feature() >= 21) {
                return Optional.of(currentJava());
            }
            Path jvms = Path.of("/usr/lib/jvm");
            if (!Files.isDirectory(jvms)) {
                return Optional.empty();
            }
            try (Stream<Path> dirs = Files.list(jvms)) {
                return dirs.filter(dir -> featureVersion(dir) >= 21 && Files.isExecutable(dir.resolve("bin/java")))
                        .max(Comparator.comparingInt(Distribution::featureVersion))
                        .map(dir -> dir.resolve("bin/java"));
            } catch (IOException e) {
                return Optional.empty();
            }
        }

        /** The feature version a JDK's {@code release} file names (JAVA_VERSION="25.0.1"), or 0. */
        static int featureVersion(Path jdk) {
            try {
                for (String line : Files.readAllLines(jdk.resolve("release"), StandardCharsets.UTF_8)) {
                    if (line.startsWith("JAVA_VERSION=")) {
                        String version = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                        return Integer.parseInt(version.split("[.+-]")[0]);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not a JDK, or one without a release file
            }
            return 0;
        }

        static Path currentJava() {
            return Path.of(System.getProperty("java.home"), "bin", "java");
        }

        /** The distribution unpacked in the cache, fetched and unpacked first if need be. */
        Path unpacked() throws IOException, InterruptedException {
            String cacheHome = System.getenv("XDG_CACHE_HOME");
            Path cache = (cacheHome == null || cacheHome.isBlank() ? Path.of(System.getProperty("user.home"), ".cache")
                    : Path.of(cacheHome)).resolve("sluice");
            Path home = cache.resolve(ARTIFACT + "-" + version);
            if (Files.isDirectory(home)) {
                return home;
            }
            Path archive = archive();
            if (!Files.isRegularFile(archive)) {
                fetch(archive);
            }
            Files.createDirectories(cache);
            Path partial = Files.createTempDirectory(cache, ARTIFACT + "-" + version + ".partial-");
            log.info("unpacking {} into {}", archive, home);
            run(List.of("tar", "-xzf", archive.toString(), "-C", partial.toString()), "unpack " + archive);
            try {
                Files.move(partial, home, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                // another process unpacked it at the same time
                TempDirs.delete(partial);
                if (!Files.isDirectory(home)) {
                    throw e;
                }
            }
            return home;
        }

        /** The runnable jar: quarkus-run.jar in 3.3, *-runner.jar in 3.0. */
        Path runnerJar(Path home) throws IOException {
            Path quarkus = home.resolve("quarkus-run.jar");
            if (Files.isRegularFile(quarkus)) {
                return quarkus;
            }
            try (Stream<Path> files = Files.list(home)) {
                return files.filter(f -> f.getFileName().toString().endsWith("-runner.jar")).findFirst()
                        .orElseThrow(() -> new IOException("no quarkus-run.jar or *-runner.jar in " + home));
            }
        }

        private Path archive() {
            String local = System.getProperty("maven.repo.local");
            Path repository = local != null && !local.isBlank() ? Path.of(local)
                    : Path.of(System.getProperty("user.home"), ".m2", "repository");
            return repository.resolve(GROUP.replace('.', '/')).resolve(ARTIFACT).resolve(version)
                    .resolve(ARTIFACT + "-" + version + "-all.tar.gz");
        }

        private void fetch(Path archive) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of(mvn(), "-B", "-q", "dependency:get",
                    "-Dartifact=" + GROUP + ":" + ARTIFACT + ":" + version + ":tar.gz:all", "-Dtransitive=false"));
            String local = System.getProperty("maven.repo.local");
            if (local != null && !local.isBlank()) {
                command.add("-Dmaven.repo.local=" + local);
            }
            log.info("fetching Apicurio Registry {} from Maven Central through Maven (about 110-160 MB, once)", version);
            run(command, "fetch " + GROUP + ":" + ARTIFACT + ":" + version + ":tar.gz:all");
            if (!Files.isRegularFile(archive)) {
                throw new IOException("Maven fetched " + ARTIFACT + " " + version + " but it is not at " + archive
                        + " (a settings.xml localRepository elsewhere? set -Dmaven.repo.local)");
            }
        }

        private static String mvn() {
            for (String home : new String[] {System.getProperty("maven.home"), System.getenv("MAVEN_HOME")}) {
                if (home != null && Files.isExecutable(Path.of(home, "bin", "mvn"))) {
                    return Path.of(home, "bin", "mvn").toString();
                }
            }
            return "mvn";
        }

        private static void run(List<String> command, String what) throws IOException, InterruptedException {
            Path output = Files.createTempFile("sluice-registry-setup-", ".log");
            try {
                Process process;
                try {
                    process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
                } catch (IOException e) {
                    throw new IOException("cannot " + what + ": " + command.get(0) + " did not start (" + e.getMessage()
                            + "); it must be on the PATH", e);
                }
                if (process.waitFor() != 0) {
                    throw new IOException("cannot " + what + ": " + String.join(" ", command) + " exited with "
                            + process.exitValue() + ":\n" + tail(output, 20));
                }
            } finally {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
