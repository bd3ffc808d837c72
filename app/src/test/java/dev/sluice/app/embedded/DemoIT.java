package dev.sluice.app.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.Result;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The demo end to end: embedded broker, ingest pipeline, sample documents through the JobClient. */
class DemoIT {

    private static final Path DOCUMENTS = Path.of("..", "examples", "documents");

    @Test
    void shouldCompleteEverySampleDocumentThroughTheJobClient() throws Exception {
        StringWriter text = new StringWriter();
        Demo.Report report = new Demo(DOCUMENTS, null, false, Duration.ofSeconds(120), new PrintWriter(text)).run();

        assertThat(report.jobs()).isGreaterThanOrEqualTo(12);
        assertThat(report.completed()).isEqualTo(report.jobs());
        assertThat(report.failed()).isZero();
        for (Result<Object> result : report.results()) {
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            IngestedDocument output = (IngestedDocument) result.getOutput();
            assertThat(output.getChunks()).isNotEmpty()
                    .allSatisfy(c -> assertThat(c.getEmbedding()).hasSize(256));
            assertThat(output.getSourceUri()).startsWith("file:");
        }
        String[] lines = text.toString().split("\n");
        assertThat(lines[lines.length - 1])
                .matches("demo: " + report.jobs() + " jobs, " + report.jobs() + " completed, 0 failed in \\d+\\.\\d s");
        assertThat(text.toString()).contains("COMPLETED  incident-postmortem.md");
    }

    @Test
    void shouldRunAgainstARealApicurioRegistryAndStopIt() throws Exception {
        StringWriter text = new StringWriter();
        Demo.Report report = new Demo(DOCUMENTS, null, false, Duration.ofSeconds(120), new PrintWriter(text), true).run();

        assertThat(text.toString()).containsPattern("demo: Apicurio Registry 3\\.\\d+\\.\\d+ at http://127\\.0\\.0\\.1:\\d+"
                + "/apis/ccompat/v7");
        assertThat(report.failed()).isZero();
        assertThat(report.completed()).isEqualTo(report.jobs()).isGreaterThanOrEqualTo(12);
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .map(p -> p.info().commandLine().orElse(""))).noneMatch(line -> line.contains("apicurio"));
    }

    @Test
    void shouldKeepServingTheGatewayAfterTheDocumentsUntilStopped() throws Exception {
        StringWriter text = new StringWriter();
        Demo demo = new Demo(DOCUMENTS, null, true, Duration.ofSeconds(120), new PrintWriter(text)).serving(0);
        CompletableFuture<Demo.Report> run = CompletableFuture.supplyAsync(() -> {
            try {
                return demo.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> demo.gateway() != null || run.isDone());
        assertThat(run).isNotDone();
        HttpResponse<String> answer = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + demo.gateway().port()
                        + "/v1/jobs?wait=60s")).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"jobId\": \"after-the-demo\", \"document\": {\"text\": \"still served\"}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).contains("\"jobId\":\"after-the-demo\"", "\"status\":\"COMPLETED\"",
                "\"output\":{\"id\":\"after-the-demo\"");

        demo.stop();
        assertThat(run.get(60, TimeUnit.SECONDS).completed()).isEqualTo(12);
        assertThat(demo.awaitFinished(Duration.ZERO)).isTrue();
        assertThat(text.toString()).contains("HTTP gateway and dashboard on http://127.0.0.1:", "demo: stopped");
    }

    @Test
    void shouldCarryJobsUnchangedInPassThroughMode() throws Exception {
        StringWriter text = new StringWriter();
        Demo.Report report = new Demo(DOCUMENTS, null, true, Duration.ofSeconds(120), new PrintWriter(text)).run();
        assertThat(report.completed()).isEqualTo(report.jobs());
        assertThat(report.results()).allSatisfy(r -> assertThat(r.getOutput())
                .as("the job's payload, as it came").isInstanceOf(Document.class));
        assertThat(text.toString()).contains("pipeline pass-through");
    }
}
