package dev.sluice.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.Cli;
import dev.sluice.app.TestKafka;
import dev.sluice.app.internal.TempDirs;
import dev.sluice.app.runtime.ConfigLoader;
import dev.sluice.app.runtime.SluiceRunner;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.stages.BuiltinStages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code sluice submit} and {@code sluice results} against a running pipeline on a real broker. */
class SubmitCommandIT {

    private static final Path DOCUMENTS = Path.of("..", "examples", "documents");

    private static Path dir;
    private static TestKafka kafka;
    private static SluiceRunner runner;
    private static Path config;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("sluice-submit-it-");
        kafka = TestKafka.start();
        config = dir.resolve("pipeline.yaml");
        Files.writeString(config, """
                topics: {prefix: cli}
                registry: {url: "mem://submit-it"}
                kafka: {bootstrap.servers: "%s"}
                """.formatted(kafka.bootstrapServers()));
        runner = SluiceRunner.start(ConfigLoader.load(config, Map.of(), Map.of()).config(), BuiltinStages.ingest(),
                Map.of(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString()));
        runner.awaitRunning(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        runner.close();
        kafka.close();
        TempDirs.delete(dir);
    }

    @Test
    void shouldSubmitADirectoryWaitForEveryResultAndShowProgress() throws Exception {
        PrintStream originalErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        String out;
        try {
            out = Cli.sluice("submit", "--config", config.toString(), "--wait", "--in-flight", "4", DOCUMENTS.toString());
        } finally {
            System.setErr(originalErr);
        }
        assertThat(out.lines().filter(line -> line.trim().startsWith("COMPLETED"))).hasSize(12);
        assertThat(out).containsPattern("COMPLETED +incident-postmortem-[0-9a-f]{8} +3 chunks x 256 dims")
                .containsPattern("12 jobs: 12 completed, 0 failed, 0 without a result in \\d+\\.\\d s");
        assertThat(err.toString(StandardCharsets.UTF_8))
                .containsPattern("\\[#{30}\\] 12/12 results  \\d+\\.\\d/s  ETA 0 s");

        String results = Cli.sluice("results", "--config", config.toString(), "--from-beginning", "--max", "12",
                "--timeout", "60");
        assertThat(results.lines()).hasSize(12).allSatisfy(line -> assertThat(line)
                .matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z  COMPLETED  .*chunks? +x 256 dims.*"));
    }

    @Test
    void shouldSubmitFilesWithoutWaitingAndNameEachJob() throws Exception {
        String out = Cli.sluice("submit", "--config", config.toString(), DOCUMENTS.resolve("short-memo.txt").toString(),
                DOCUMENTS.resolve("museum-placard.txt").toString());
        assertThat(out).containsPattern("short-memo-[0-9a-f]{8}  .*short-memo.txt")
                .containsPattern("museum-placard-[0-9a-f]{8}  .*museum-placard.txt")
                .contains("submitted 2 jobs to cli.jobs");
    }

    @Test
    void shouldSubmitJsonLinesOfPayloadsAndRefuseAFileWithALineThatDoesNotFit() throws Exception {
        Path good = Files.writeString(dir.resolve("docs.jsonl"), """
                {"id": "first", "text": "A document given as one line of JSON, through the Document schema."}

                {"id": "second", "text": "Another one, with its type.", "contentType": "text/markdown"}
                """);
        String out = Cli.sluice("submit", "--config", config.toString(), "--json", "--wait", good.toString());
        assertThat(out).containsPattern("COMPLETED +docs-1-[0-9a-f]{8} ").containsPattern("COMPLETED +docs-3-[0-9a-f]{8} ")
                .containsPattern("2 jobs: 2 completed, 0 failed");

        Path bad = Files.writeString(dir.resolve("bad.jsonl"), """
                {"id": "fine", "text": "This line fits."}
                {"text": "This one has no id."}
                {"id": "third", "text": "This one has a field Document does not.", "chapters": 3}
                """);
        PrintStream originalErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.execute("submit", "--config", config.toString(), "--json", bad.toString());
        } finally {
            System.setErr(originalErr);
        }
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(bad + ":2: payload.id is required (a string)")
                .contains(bad + ":3: payload.chapters is not a field of Document");
    }

    @Test
    void shouldRefuseAPathThatIsNotThere() {
        assertThat(Main.execute("submit", "--config", config.toString(), dir.resolve("nothing-here").toString()))
                .isEqualTo(1);
    }
}
