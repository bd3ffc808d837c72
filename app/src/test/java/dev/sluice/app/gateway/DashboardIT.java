package dev.sluice.app.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.TestKafka;
import dev.sluice.app.internal.TempDirs;
import dev.sluice.app.runtime.SluiceRunner;
import dev.sluice.client.JobClient;
import dev.sluice.schemas.Document;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.SluiceTopology;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.pipeline.PipelineDescription;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromium-driver, driven by
 * Selenium): it draws the pipeline's graph, submits a job through its form and sees it complete, and
 * shows a stage's failure live. The browser is the system's own; nothing is downloaded.
 */
class DashboardIT {

    /** Where Debian's packages put the browser and its driver; -Dsluice.it.chromium and -Dsluice.it.chromedriver move them. */
    private static final String CHROMIUM = System.getProperty("sluice.it.chromium", "/usr/bin/chromium");
    private static final String CHROMEDRIVER = System.getProperty("sluice.it.chromedriver", "/usr/bin/chromedriver");
    private static final Duration WITHIN = Duration.ofSeconds(60);

    private static Path dir;
    private static TestKafka kafka;
    private static SluiceRunner runner;
    private static JobClient<Object, Object> client;
    private static Gateway gateway;
    private static WebDriver browser;

    /** Two stages; {@code check} fails a document that says "boom". */
    private static Pipeline pipeline() {
        return Pipeline.builder("dashboard")
                .stage("trim", Document.class, Document.class, (doc, context, out) ->
                        out.emit(Document.newBuilder(doc).setText(doc.getText().strip()).build()))
                .stage("check", Document.class, Document.class, (doc, context, out) -> {
                    if (doc.getText().contains("boom")) {
                        throw new IllegalArgumentException("the document says boom");
                    }
                    out.emit(doc);
                }).build();
    }

    @BeforeAll
    static void start() throws Exception {
        for (String needed : List.of(CHROMIUM, CHROMEDRIVER)) {
            assertThat(new File(needed).canExecute()).as(needed + " is missing: DashboardIT drives Debian's chromium through"
                    + " its chromedriver; run ./sluice-test, which installs them, or: apt-get install -y chromium chromium-driver"
                    + " as root").isTrue();
        }
        dir = Files.createTempDirectory("sluice-dashboard-it-");
        kafka = TestKafka.start();
        SluiceConfig config = new SluiceConfig(Map.of(SluiceConfig.TOPICS_PREFIX_CONFIG, "dash",
                SluiceConfig.REGISTRY_URL_CONFIG, "mem://dashboard-it",
                SluiceConfig.KAFKA_PREFIX + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        GatewayAddress address = GatewayAddress.of("127.0.0.1", 0, null);
        Map<String, Object> props = new HashMap<>(address.streamsProperties());
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
        runner = SluiceRunner.start(config, pipeline(), props);
        runner.awaitRunning(WITHIN);
        client = JobClient.create(runner.clientConfig(), runner.topics());
        gateway = Gateway.start(client, () -> runner.readiness(Duration.ofMinutes(1)), "127.0.0.1", address.port(),
                64 * 1024, GatewayAccess.OPEN, Metrics.of(runner),
                new StatusLookup(() -> runner.streams(SluiceTopology.MAIN), address.advertised()),
                PipelineDescription.graph(pipeline(), "dash"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1300,1000",
                "--user-data-dir=" + dir.resolve("chromium"));
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (client != null) {
            client.close();
        }
        if (runner != null) {
            runner.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (dir != null) {
            TempDirs.delete(dir);
        }
    }

    private static String text(String css) {
        List<WebElement> found = browser.findElements(By.cssSelector(css));
        return found.isEmpty() ? "" : found.get(0).getText();
    }

    private static String attribute(String css, String name) {
        List<WebElement> found = browser.findElements(By.cssSelector(css));
        return found.isEmpty() ? "" : found.get(0).getDomAttribute(name);
    }

    private static void until(String what, Callable<Boolean> condition) {
        Awaitility.await(what).atMost(WITHIN).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(condition);
    }

    private static void submitThroughThePage(String jobId, String text) {
        browser.findElement(By.id("document-text")).clear();
        browser.findElement(By.id("document-text")).sendKeys(text);
        browser.findElement(By.id("job-id")).sendKeys(jobId);
        browser.findElement(By.id("submit")).click();
        until("the page to say " + jobId + " was accepted",
                () -> text("#submitted").equals("Job " + jobId + " accepted."));
    }

    @Test
    void shouldDrawTheGraphSubmitAJobThroughThePageAndSeeItCompleteThenShowAFailureLive() {
        browser.get("http://127.0.0.1:" + gateway.port() + "/");

        // the graph is the one describe draws: the same nodes, and one path per edge
        PipelineDescription.Graph graph = PipelineDescription.graph(pipeline(), "dash");
        until("the graph drawn", () -> browser.findElements(By.cssSelector("#graph g.node")).size() == graph.nodes().size());
        assertThat(browser.findElements(By.cssSelector("#graph g.node")))
                .extracting(node -> node.getDomAttribute("data-node"))
                .containsExactlyInAnyOrderElementsOf(graph.nodes().stream().map(PipelineDescription.Node::name).toList());
        assertThat(browser.findElements(By.cssSelector("#graph path.edge"))).hasSize(graph.edges().size());
        assertThat(text("#pipeline-name")).isEqualTo("dashboard");
        until("ready", () -> text("#ready").equals("ready"));

        submitThroughThePage("from-the-page", "  A document submitted through the dashboard.  ");
        until("the job listed COMPLETED",
                () -> attribute("#jobs tr[data-job-id='from-the-page']", "data-status").equals("COMPLETED"));
        assertThat(client.result("from-the-page").join().getStatus()).hasToString("COMPLETED");
        until("the stages' counts", () -> text("#stages tr[data-stage='check'] td:nth-child(2)").equals("1"));
        assertThat(text("#graph g.node[data-node='check'] text.stats")).startsWith("1 in");

        submitThroughThePage("goes-boom", "This one goes boom.");
        until("the job listed FAILED",
                () -> attribute("#jobs tr[data-job-id='goes-boom']", "data-status").equals("FAILED"));
        assertThat(attribute("#jobs tr[data-job-id='goes-boom'] td:nth-child(2)", "title"))
                .contains("check", "the document says boom");
        until("the failure on the stage", () -> text("#stages tr[data-stage='check'] td:nth-child(4)").equals("1"));
        assertThat(attribute("#graph g.node[data-node='check']", "class")).contains("failing");
        assertThat(text("#graph g.node[data-node='check'] text.stats")).contains("1 failed");
        assertThat(attribute("#graph g.node[data-node='trim']", "class")).doesNotContain("failing");
        // newest first
        assertThat(browser.findElements(By.cssSelector("#jobs tbody tr")))
                .extracting(row -> row.getDomAttribute("data-job-id")).containsExactly("goes-boom", "from-the-page");
        assertThat(text("#problem")).isEmpty();
    }
}
