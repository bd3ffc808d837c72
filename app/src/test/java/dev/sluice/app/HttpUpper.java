package dev.sluice.app;

import dev.sluice.schemas.Document;
import dev.sluice.topology.stage.AsyncStage;
import dev.sluice.topology.stage.SlowDown;
import dev.sluice.topology.stage.StageContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * An asynchronous stage as a user writes one: it posts the document's text to {@link LoopbackService}
 * with the call's idempotency key, and takes the answer as the document's new text; a 429 is a
 * {@link SlowDown}, an answer that is not the service's fails with its first 100 characters. A
 * document whose id starts with {@code refused} is sent to a port where nothing listens.
 */
public final class HttpUpper implements AsyncStage<Document, Document> {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final URI url;
    private final URI refused;

    public HttpUpper(Map<String, String> params) {
        this.url = URI.create(params.get("url"));
        this.refused = URI.create(params.getOrDefault("refused", "http://127.0.0.1:9/upper"));
    }

    @Override
    public CompletionStage<List<Document>> call(Document document, StageContext context) {
        HttpRequest request = HttpRequest.newBuilder(document.getId().startsWith("refused") ? refused : url)
                .header("Idempotency-Key", context.idempotencyKey())
                .POST(HttpRequest.BodyPublishers.ofString(document.getText())).build();
        CompletableFuture<HttpResponse<String>> answer = HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        return answer.thenApply(response -> {
            SlowDown.ofHttp(response.statusCode(), response.headers().firstValue("Retry-After").orElse(null))
                    .ifPresent(slow -> {
                        throw new CompletionException(slow);
                    });
            String body = response.body();
            if (response.statusCode() != 200 || !body.startsWith("OK:")) {
                throw new CompletionException(new IOException("HTTP " + response.statusCode() + ", not an answer: "
                        + body.substring(0, Math.min(100, body.length()))));
            }
            return List.of(Document.newBuilder(document).setText(body.substring(3)).build());
        });
    }
}
