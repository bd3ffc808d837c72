package dev.sluice.app.bench;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.PayloadType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The jobs every case sends: one document of the configured size, cut from the sample documents
 * (real prose, so split, embed and keywords do real work), under a new job id each time.
 */
final class Workload {

    private final Document document;
    private final byte[] payload;

    private Workload(Document document, byte[] payload) {
        this.document = document;
        this.payload = payload;
    }

    /** The workload of documents of {@code documentBytes}, its jobs' payloads written with {@code serdes}. */
    static Workload of(int documentBytes, AvroSerdes serdes) throws IOException {
        StringBuilder text = new StringBuilder();
        String home = System.getProperty("sluice.home");
        Path samples = (home == null ? Path.of("") : Path.of(home)).resolve("examples").resolve("documents");
        if (Files.isDirectory(samples)) {
            try (Stream<Path> files = Files.list(samples)) {
                for (Path file : files.sorted().toList()) {
                    text.append(Files.readString(file, StandardCharsets.UTF_8)).append("\n\n");
                }
            }
        }
        if (text.length() == 0) {
            text.append("Kafka Streams carries each job through named stages, and one result comes out. ");
        }
        while (text.length() < documentBytes) {
            text.append(text);
        }
        String cut = text.substring(0, documentBytes);
        while (cut.getBytes(StandardCharsets.UTF_8).length > documentBytes) {
            cut = cut.substring(0, cut.length() - 1);
        }
        Document document = Document.newBuilder().setId("bench-document").setSourceUri(null)
                .setContentType("text/plain").setText(cut).build();
        return new Workload(document, serdes.payloadSerde(PayloadType.of(Document.class)).serializer()
                .serialize(BenchWorker.JOBS_TOPIC, document));
    }

    /** A job {@code id} carrying the workload's document as its payload. */
    Job job(String id) {
        return Jobs.withPayload(id, payload);
    }
}
