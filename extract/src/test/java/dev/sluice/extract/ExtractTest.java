package dev.sluice.extract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.Result;
import dev.sluice.testkit.DeadLetter;
import dev.sluice.testkit.PipelineTestDriver;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.pipeline.StageFactories;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.Normalize;
import dev.sluice.topology.stages.Split;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The extract stage on documents of every common kind, made by the test, and on bad ones: each bad one
 * ends FAILED at extract saying why, its job in the dead-letter topic, and the next job runs.
 */
class ExtractTest {

    private static final String PAGE_ONE = "Kafka keeps every record in order within its partition.\n"
            + "Consumers read them at their own pace.";
    private static final String PAGE_TWO = "Transactions make a read, a process and a write one step.\n"
            + "A crash in between loses nothing and doubles nothing.";

    /** Under the test driver's limit on a job's bytes (1 MiB), so that the stage's own limit is what fails. */
    private static final int MAX_BYTES = 500_000;
    private static final int MAX_CHARS = 100_000;

    private PipelineTestDriver<Document, Document> driver;

    @BeforeEach
    void start() {
        driver = PipelineTestDriver.of(Pipeline.builder("extracting")
                .stage("extract", Document.class, Document.class, new Extract(MAX_BYTES, MAX_CHARS))
                .build(), Document.class, Document.class);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private Document extracted(String id, String contentType, String uri, byte[] bytes) {
        driver.submit(id, document(id, contentType, uri, bytes));
        Result<Document> result = driver.result(id);
        assertThat(result.getError()).as("%s", result.getError()).isNull();
        assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
        Document document = result.getOutput();
        assertThat(document.getContent()).as("the bytes are dropped once read").isNull();
        return document;
    }

    private static Document document(String id, String contentType, String uri, byte[] bytes) {
        return Document.newBuilder().setId(id).setContentType(contentType).setSourceUri(uri)
                .setContent(ByteBuffer.wrap(bytes)).build();
    }

    @Test
    void shouldReadAPdfWithItsPagesAndMetadata() throws Exception {
        Document pdf = extracted("pdf", "application/pdf", "file:///docs/kafka.pdf",
                Samples.pdf("Kafka in two pages", "Ada Writer", List.of(PAGE_ONE, PAGE_TWO)));
        assertThat(pdf.getContentType()).isEqualTo("application/pdf");
        assertThat(pdf.getMetadata()).containsEntry("title", "Kafka in two pages").containsEntry("author", "Ada Writer")
                .containsEntry("pages", "2").containsEntry("language", "en");
        assertThat(pdf.getPages()).hasSize(2).first().isEqualTo(0);
        String text = pdf.getText();
        int second = pdf.getPages().get(1);
        assertThat(text.substring(0, second)).contains("Kafka keeps every record").contains("at their own pace")
                .doesNotContain("Transactions");
        assertThat(text.substring(second)).contains("Transactions make a read").contains("doubles nothing");
    }

    @Test
    void shouldReadOfficeDocuments() throws Exception {
        Document docx = extracted("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "file:///docs/notes.docx", Samples.docx("Release notes", "Bo Editor", List.of(PAGE_ONE, PAGE_TWO)));
        assertThat(docx.getText()).contains("Kafka keeps every record").contains("Transactions make a read");
        assertThat(docx.getMetadata()).containsEntry("title", "Release notes").containsEntry("author", "Bo Editor")
                .containsEntry("language", "en");
        assertThat(docx.getPages()).as("a Word file has no fixed pages").isEmpty();

        Document pptx = extracted("pptx", "application/octet-stream", "file:///docs/talk.pptx",
                Samples.pptx(List.of("Slide one: why queues", "Slide two: share groups")));
        assertThat(pptx.getContentType()).isEqualTo(
                "application/vnd.openxmlformats-officedocument.presentationml.presentation");
        assertThat(pptx.getPages()).hasSize(2);
        assertThat(pptx.getText().substring(pptx.getPages().get(1))).contains("share groups")
                .doesNotContain("why queues");

        Document odt = extracted("odt", "application/vnd.oasis.opendocument.text", "file:///docs/minutes.odt",
                Samples.odt("Minutes", List.of(PAGE_ONE, PAGE_TWO)));
        assertThat(odt.getContentType()).isEqualTo("application/vnd.oasis.opendocument.text");
        assertThat(odt.getText()).contains("Kafka keeps every record").contains("Transactions make a read");
        assertThat(odt.getMetadata()).containsEntry("title", "Minutes");

        Document epub = extracted("epub", "application/epub+zip", "file:///docs/book.epub",
                Samples.epub("A short book", List.of("Chapter one begins here.", "Chapter two ends it.")));
        assertThat(epub.getText()).contains("Chapter one begins here.").contains("Chapter two ends it.");
        assertThat(epub.getMetadata()).containsEntry("title", "A short book").containsEntry("language", "en");

        Document xlsx = extracted("xlsx", "application/octet-stream", null,
                Samples.xlsx(List.of("apples 3.20", "pears 2.10")));
        assertThat(xlsx.getText()).contains("apples 3.20").contains("pears 2.10");
    }

    @Test
    void shouldReadHtmlMarkdownRtfAndText() {
        Document html = extracted("html", "text/html", "https://example.com/a.html", Samples.utf8(
                "<html lang=\"de\"><head><title>Ein Titel</title><script>var x = 1;</script></head>"
                        + "<body><h1>Überschrift</h1><p>Der Text des Dokuments steht hier, in einem Absatz, "
                        + "der lang genug ist, um die Sprache zu erkennen.</p></body></html>"));
        assertThat(html.getContentType()).isEqualTo("text/html");
        assertThat(html.getMetadata()).containsEntry("title", "Ein Titel").containsEntry("language", "de");
        assertThat(html.getText()).contains("Überschrift").contains("Der Text des Dokuments").doesNotContain("var x");

        Document markdown = extracted("md", "text/markdown", "file:///docs/readme.md",
                Samples.utf8("# Read me\n\nSluice runs ingestion pipelines on Kafka.\n"));
        assertThat(markdown.getText()).contains("Sluice runs ingestion pipelines on Kafka.");

        Document rtf = extracted("rtf", "application/rtf", null,
                Samples.utf8("{\\rtf1\\ansi{\\fonttbl\\f0\\fswiss Helvetica;}\\f0\\pard Rich text, {\\b bold} too.\\par}"));
        assertThat(rtf.getText()).contains("Rich text, bold too.");

        Document text = extracted("txt", "text/plain", null, Samples.utf8("Plain words, nothing more."));
        assertThat(text.getText()).contains("Plain words, nothing more.");
    }

    @Test
    void shouldReadAFileAsWhatItIsWhateverItsNameSays() throws Exception {
        Document lying = extracted("lying", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "file:///docs/not-really.docx", Samples.pdf("A PDF", "Ada", List.of(PAGE_ONE)));
        assertThat(lying.getContentType()).isEqualTo("application/pdf");
        assertThat(lying.getText()).contains("Kafka keeps every record");
    }

    @Test
    void shouldPassATextDocumentOnAsItCame() {
        Document text = Document.newBuilder().setId("plain").setText("already text").build();
        driver.submit("plain", text);
        assertThat(driver.result("plain").getOutput()).isEqualTo(text);
    }

    @Test
    void shouldFailEachBadDocumentAtExtractSayingWhyAndGoOn() throws Exception {
        byte[] pdf = Samples.pdf("Whole", "Ada", List.of(PAGE_ONE, PAGE_TWO));
        byte[] random = new byte[4096];
        new Random(7).nextBytes(random);
        Map<String, Document> bad = Map.of(
                "encrypted", document("encrypted", "application/pdf", null,
                        Samples.pdf("Secret", "Ada", List.of(PAGE_ONE), "s3cret")),
                "truncated", document("truncated", "application/pdf", null, java.util.Arrays.copyOf(pdf, pdf.length / 3)),
                "unsupported", document("unsupported", "application/octet-stream", null, random),
                "empty", document("empty", "application/pdf", null, new byte[0]),
                "too-large", document("too-large", "text/plain", null, new byte[MAX_BYTES + 1]),
                "too-long", document("too-long", "text/html", null,
                        Samples.utf8("<html><body><p>" + "word ".repeat(MAX_CHARS / 5 + 1) + "</p></body></html>")),
                // a few kilobytes that unpack to two million characters
                "zip-bomb", document("zip-bomb", "application/octet-stream", null,
                        Samples.docx("Bomb", "Eve", List.of("a ".repeat(1_000_000)))));
        assertThat(bad.get("zip-bomb").getContent().remaining()).isLessThan(20_000);
        Map<String, String> why = Map.of("encrypted", "is encrypted", "truncated", "cannot be read",
                "zip-bomb", "Suspected zip bomb",
                "unsupported", "of a type extract cannot read: application/octet-stream", "empty", "is empty",
                "too-large", "is larger than " + MAX_BYTES + " bytes (max-bytes)",
                "too-long", "longer than " + MAX_CHARS + " characters (max-chars)");
        for (Map.Entry<String, Document> entry : bad.entrySet()) {
            String id = entry.getKey();
            driver.submit(id, entry.getValue());
            Result<Document> result = driver.result(id);
            assertThat(result.getStatus()).as(id).isEqualTo(JobStatus.FAILED);
            assertThat(result.getError().getStage()).isEqualTo("extract");
            assertThat(result.getError().getErrorClass()).isEqualTo(ExtractException.class.getName());
            assertThat(result.getError().getMessage()).as(id).startsWith("document '" + id + "'")
                    .contains(why.get(id));
            // and the next job runs
            extracted(id + "-next", "text/plain", null, Samples.utf8("fine"));
        }
        assertThat(driver.deadLetters()).extracting(DeadLetter::stage).hasSize(bad.size()).containsOnly("extract");
    }

    @Test
    void shouldRegisterAsTheExtractTypeWithItsLimits() {
        assertThat(StageFactories.available()).containsKey(ExtractFactory.TYPE);
        var definition = StageFactories.available().get(ExtractFactory.TYPE).create("extract", Map.of("max-bytes", 10));
        assertThat(((dev.sluice.topology.pipeline.StageDefinition.Map) definition).timeLimit())
                .isEqualTo(Extract.DEFAULT_TIME_LIMIT);
    }

    @Test
    void shouldGiveEachChunkOfAPdfItsPagesAndTheResultTheMetadata() throws Exception {
        Pipeline pipeline = Pipeline.builder("pdf-ingest")
                .stage("extract", Document.class, Document.class, new Extract())
                .stage("normalize", Document.class, Document.class, new Normalize())
                .flatMap("split", Document.class, Chunk.class, new Split(60, 10))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble(), Duration.ofSeconds(30))
                .build();
        try (PipelineTestDriver<Document, IngestedDocument> ingest = PipelineTestDriver.of(pipeline, Document.class,
                IngestedDocument.class)) {
            ingest.submit("two-pages", document("two-pages", "application/pdf", "file:///docs/kafka.pdf",
                    Samples.pdf("Kafka in two pages", "Ada Writer", List.of(PAGE_ONE, PAGE_TWO))));
            Result<IngestedDocument> result = ingest.result("two-pages");
            assertThat(result.getError()).isNull();
            IngestedDocument output = result.getOutput();
            assertThat(output.getContentType()).isEqualTo("application/pdf");
            assertThat(output.getMetadata()).containsEntry("title", "Kafka in two pages").containsEntry("pages", "2");
            List<Chunk> chunks = output.getChunks();
            assertThat(chunks).hasSizeGreaterThan(2);
            assertThat(chunks).allSatisfy(c -> assertThat(c.getMetadata()).as("said once, by the document").isNull());
            assertThat(chunks).filteredOn(c -> c.getText().contains("own pace")).allSatisfy(c ->
                    assertThat(c.getPages()).contains(1));
            assertThat(chunks).filteredOn(c -> c.getText().contains("doubles nothing")).singleElement().satisfies(c ->
                    assertThat(c.getPages()).containsExactly(2));
            assertThat(chunks.get(0).getPages()).containsExactly(1);
        }
    }

    @Test
    void shouldReadADeeplyNestedDocumentWithoutFallingOver() {
        // 5,000 nested elements: the HTML parser flattens them, and nothing recurses per level
        Document deep = extracted("deep", "text/html", null, Samples.utf8(
                "<html><body>" + "<div>".repeat(5_000) + "deep down" + "</div>".repeat(5_000) + "</body></html>"));
        assertThat(deep.getText()).contains("deep down");
    }
}
