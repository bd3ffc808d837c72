package dev.sluice.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @TempDir
    Path dir;

    @BeforeEach
    void capture() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    @Test
    void shouldListTheCommandsInHelp() {
        assertThat(Main.execute("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("Usage: sluice", "demo", "run", "Document-ingestion pipelines on Apache Kafka");
    }

    @Test
    void shouldExplainRunAndItsEnvironmentVariables() {
        assertThat(Main.execute("help", "run")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--config=FILE", "SLUICE_KAFKA_BOOTSTRAP_SERVERS");
    }

    @Test
    void shouldRefuseAnUnknownBenchCaseBeforeStartingABroker() {
        assertThat(Main.execute("bench", "--cases", "sluice.ingest,sluice.fast")).isEqualTo(Main.CONFIG_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no bench case 'sluice.fast'", "floor.avro");
    }

    @Test
    void shouldFailRunAtStartUpNamingTheUnknownKey() throws IOException {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "kafka: {bootstrap.servers: localhost:1}\ntopics: {prefx: a}\n");
        assertThat(Main.execute("run", "--config", config.toString())).isEqualTo(Main.CONFIG_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("configuration error", "topics.prefx");
    }

    @Test
    void shouldRefuseAGatewayOpenToOthersWithoutAToken() throws IOException {
        Path config = dir.resolve("open.yaml");
        Files.writeString(config, "kafka: {bootstrap.servers: localhost:1}\n");
        assertThat(Main.execute("run", "--config", config.toString(), "--http", "8080")).isEqualTo(Main.CONFIG_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("configuration error", "http.token",
                "0.0.0.0:8080 with no token", "SLUICE_HTTP_TOKEN", "--http-host 127.0.0.1", "--http-insecure");
    }

    @Test
    void shouldFailRunAtStartUpNamingTheInvalidValueAndTheAllowedOnes() throws IOException {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "kafka: {bootstrap.servers: 'localhost:1', processing.guarantee: sometimes}\n");
        assertThat(Main.execute("run", "--config", config.toString())).isEqualTo(Main.CONFIG_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("processing.guarantee", "exactly_once_v2");
    }

    @Test
    void shouldRefuseToStartAPipelineWithACycleNamingTheStages() throws IOException {
        Path config = dir.resolve("cycle.yaml");
        Files.writeString(config, """
                pipeline: loop
                kafka: {bootstrap.servers: 'localhost:1'}
                stages:
                  - {name: normalize}
                  - {name: split, after: [normalize, assemble]}
                  - {name: embed}
                  - {name: assemble}
                """);
        assertThat(Main.execute("run", "--config", config.toString())).isEqualTo(Main.CONFIG_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("configuration error", "cycle",
                "split -> embed -> assemble");
    }

    @Test
    void shouldRejectAnUnknownCommand() {
        assertThat(Main.execute("launch")).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Unmatched argument", "launch");
    }
}
