package dev.sluice.app.bench;

import dev.sluice.app.embedded.EmbeddedKafka;
import dev.sluice.app.internal.Durations;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice bench}: Sluice against the engine it runs on and the machine's limit, in one run. */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        header = "Measure Sluice against the bare engine and the machine's limit, in one run.",
        description = {
            "",
            "Under at_least_once and exactly_once_v2, on topics of the same partitions and the same records: the"
                    + " raw producer and consumer (the limit), hand-written Kafka Streams pass-throughs of bytes and"
                    + " of Avro (the floor), Sluice's pass-through mode (all reading the one input the producer"
                    + " wrote); then, on a fortieth as many jobs (each is several chunks through six stages), the"
                    + " ingest stages in a plain loop on one thread (the limit), as a hand-written Kafka Streams"
                    + " application (the floor) and as Sluice's ingest graph; all after a short uncounted warm-up."
                    + " Then submit-to-result latency through the job client at a rate each case sustains, after a"
                    + " warm-up at that rate that is not counted, and memory; then Sluice's ratios to the floors and"
                    + " the limit, each beside its target.",
            "",
            "The broker runs in a process of its own (KRaft, 127.0.0.1) unless --bootstrap names a cluster."
                    + " The floors run in a JVM of their own, and so do Sluice's applications, whose peak RSS and"
                    + " heap the report gives. Do not run it while a build runs: figures move by a third.",
            ""
        })
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "A Kafka cluster to measure instead of a"
            + " broker in a process of its own.")
    String bootstrap;

    @Option(names = "--records", paramLabel = "N", defaultValue = "1000000",
            description = "Records per throughput case (default: ${DEFAULT-VALUE}).")
    int records;

    @Option(names = "--quick", description = "100,000 records and 10 s of latency per case: about 8 minutes on 2 cores.")
    boolean quick;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "3",
            description = "Partitions of every topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "1",
            description = "Replication of every topic (default: ${DEFAULT-VALUE}).")
    short replicationFactor;

    @Option(names = "--document-size", paramLabel = "BYTES", defaultValue = "4096",
            description = "Size of each job's document (default: ${DEFAULT-VALUE}, several chunks each).")
    int documentBytes;

    @Option(names = "--latency-rate", paramLabel = "JOBS/S", defaultValue = "1000",
            description = "Most jobs per second in the latency runs (default: ${DEFAULT-VALUE}); each runs at half"
                    + " what its case did in this run's throughput case where that is less, and says which rate.")
    int latencyRate;

    @Option(names = "--latency-seconds", paramLabel = "S", defaultValue = "30",
            description = "Length of each latency run (default: ${DEFAULT-VALUE}).")
    int latencySeconds;

    @Option(names = "--cases", paramLabel = "NAME", split = ",",
            description = "Only these cases (and their latency runs, for the Sluice ones): limit.produce,"
                    + " limit.consume, limit.ingest, floor.bytes, floor.avro, floor.ingest, sluice.passthrough,"
                    + " sluice.ingest (default: all).")
    List<String> cases = List.of();

    @Option(names = "--app-java-options", paramLabel = "OPTIONS", defaultValue = "-Xmx256m",
            description = "Options of the two JVMs that run the applications under test, one the floors and one"
                    + " Sluice's, apart from the load clients; the report gives the memory of Sluice's"
                    + " (default: ${DEFAULT-VALUE}).")
    String appJavaOptions;

    @Option(names = "--soak", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Instead of the cases: run the ingest graph at --soak-rate for DURATION (30m, 2h, 90s),"
                    + " sampling the memory, heap after GC, threads, open files and store sizes of Sluice's JVM,"
                    + " and report each one's slope (see docs/performance.md).")
    Duration soak;

    @Option(names = "--soak-rate", paramLabel = "JOBS/S", defaultValue = "200",
            description = "Jobs per second in the soak (default: ${DEFAULT-VALUE}).")
    int soakRate;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the tables as Markdown, with the"
            + " commit, the date and the machine: between the lines " + PageTables.BEGIN + " and " + PageTables.END
            + " of FILE where it has them (docs/performance.md does), else as the whole file.")
    Path markdown;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (String name : cases) {
            if (!BenchSettings.CASES.contains(name)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "no bench case '" + name
                        + "'; the cases are " + String.join(", ", BenchSettings.CASES));
            }
        }
        if (soakRate < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--soak-rate must be 1 job/s or more, was " + soakRate);
        }
        BenchSettings settings = new BenchSettings(quick ? 100_000 : records, partitions, replicationFactor,
                documentBytes, latencyRate, quick ? 10 : latencySeconds, quick, Set.copyOf(cases),
                List.of(appJavaOptions.trim().split("\\s+")));
        Process broker = null;
        String servers = bootstrap;
        try {
            if (servers == null) {
                broker = startBroker();
                servers = awaitBootstrap(broker);
                err.println("bench: broker in process " + broker.pid() + " at " + servers);
            }
            if (soak != null) {
                Soak.Report report = new Bench(settings, servers, err).soak(soak, soakRate);
                out.print(report.table());
                out.flush();
                if (json != null) {
                    report.writeJson(json);
                    err.println("bench: wrote " + json);
                }
                return report.failure() == null ? 0 : 1;
            }
            BenchReport report = new Bench(settings, servers, err).run();
            out.print(report.table());
            out.flush();
            if (json != null) {
                report.writeJson(json);
                err.println("bench: wrote " + json);
            }
            if (markdown != null) {
                List<String> given = spec.commandLine().getParseResult().originalArgs();
                // as a subcommand of sluice, its arguments start with its own name
                List<String> args = !given.isEmpty() && given.get(0).equals(spec.name()) ? given.subList(1, given.size())
                        : given;
                String command = String.join(" ", "sluice", spec.name(), String.join(" ", args)).trim();
                PageTables.write(markdown, report.markdown(command, PageTables.commit(), LocalDate.now().toString()));
                err.println("bench: wrote the tables to " + markdown);
            }
            boolean failed = report.cases().stream().anyMatch(c -> c.failure() != null)
                    || report.latency().stream().anyMatch(l -> l.failure() != null);
            return failed ? 1 : 0;
        } finally {
            if (broker != null) {
                broker.getOutputStream().close();
                if (!broker.waitFor(30, TimeUnit.SECONDS)) {
                    broker.destroyForcibly();
                }
            }
        }
    }

    /** DURATION options: 500ms, 30s, 2m, 1h. */
    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = Durations.parse(value);
            if (d.isZero()) {
                throw new IllegalArgumentException("a soak of no time measures nothing");
            }
            return d;
        }
    }

    private static Process startBroker() throws Exception {
        String log = System.getenv("SLUICE_BENCH_BROKER_LOG");
        return ChildJvm.start(List.of("-Xmx1g"), EmbeddedKafka.class,
                log == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(new File(log)));
    }

    private static String awaitBootstrap(Process broker) throws Exception {
        BufferedReader lines = new BufferedReader(new InputStreamReader(broker.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.startsWith("sluice-broker bootstrap=")) {
                return line.substring("sluice-broker bootstrap=".length()).trim();
            }
        }
        throw new IllegalStateException("the benchmark's broker exited before it was ready (exit " + broker.waitFor() + ")");
    }
}
