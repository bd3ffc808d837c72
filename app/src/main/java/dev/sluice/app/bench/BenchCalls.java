package dev.sluice.app.bench;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.schemas.Document;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.AsyncStage;
import dev.sluice.topology.stage.Stage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The service the {@code sluice.async} cases call, and the two ways of calling it: a JDK HTTP server on
 * loopback that answers every {@code POST /call} after {@value #LATENCY_MS} ms without holding a
 * thread meanwhile, an asynchronous stage with {@value #CONCURRENCY} calls in flight per task, and the
 * same call made synchronously, on the stream thread, as a stage written without {@code AsyncStage} would.
 */
final class BenchCalls implements AutoCloseable {

    /** How long the service takes to answer. */
    static final int LATENCY_MS = 20;
    /** The asynchronous stage's calls in flight per task. */
    static final int CONCURRENCY = 32;
    private static final byte[] ANSWER = "ok".getBytes(StandardCharsets.US_ASCII);

    private final HttpServer server;
    private final ExecutorService handlers = Executors.newFixedThreadPool(4, daemons("sluice-bench-service"));
    private final ScheduledExecutorService answers = Executors.newScheduledThreadPool(2, daemons("sluice-bench-answer"));

    private BenchCalls() throws IOException {
        // the JDK's server leaves Nagle on: an answer's headers and body, written apart, then wait for the
        // caller's delayed ACK (40 ms on Linux), and a 20 ms service answers in 60
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4_096);
        server.createContext("/call", exchange -> {
            exchange.getRequestBody().readAllBytes();
            answers.schedule(() -> {
                try (exchange) {
                    exchange.sendResponseHeaders(200, ANSWER.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(ANSWER);
                    }
                } catch (IOException e) {
                    // the caller went away: nothing to answer
                }
            }, LATENCY_MS, TimeUnit.MILLISECONDS);
        });
        server.setExecutor(handlers);
        server.start();
    }

    /** Starts the service. */
    static BenchCalls start() throws IOException {
        return new BenchCalls();
    }

    /** Where to call it. */
    String url() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort()
                + "/call";
    }

    /**
     * The bound of an asynchronous stage over {@code tasks} tasks: {@value #CONCURRENCY} calls in flight
     * in each, each taking {@value #LATENCY_MS} ms, in jobs per second.
     */
    static double bound(int tasks) {
        return CONCURRENCY * tasks * 1_000.0 / LATENCY_MS;
    }

    /** The pipeline of {@code sluice.async}: one asynchronous stage calling {@code url}. */
    static Pipeline async(String url) {
        HttpClient http = client();
        URI uri = URI.create(url);
        AsyncStage<Document, Document> call = (document, context) -> http.sendAsync(request(uri, context.idempotencyKey()),
                HttpResponse.BodyHandlers.discarding()).thenApply(response -> {
                    if (response.statusCode() != 200) {
                        throw new CompletionException(new IOException("HTTP " + response.statusCode()));
                    }
                    return List.of(document);
                });
        return Pipeline.builder("async").async("call", Document.class, Document.class, call).concurrency(CONCURRENCY)
                .build();
    }

    /** The pipeline of {@code sluice.async.sync}: the same call, made on the stream thread. */
    static Pipeline sync(String url) {
        HttpClient http = client();
        URI uri = URI.create(url);
        Stage<Document, Document> call = (document, context, out) -> {
            HttpResponse<Void> response = http.send(request(uri, context.idempotencyKey()),
                    HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() != 200) {
                throw new IOException("HTTP " + response.statusCode());
            }
            out.emit(document);
        };
        return Pipeline.builder("async-sync").stage("call", Document.class, Document.class, call).build();
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static HttpRequest request(URI uri, String key) {
        return HttpRequest.newBuilder(uri).header("Idempotency-Key", key).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(key)).build();
    }

    private static java.util.concurrent.ThreadFactory daemons(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
        answers.shutdownNow();
    }
}
