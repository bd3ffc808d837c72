package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.Result;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.AsyncBatchStage;
import dev.sluice.topology.stage.AsyncStage;
import dev.sluice.topology.stage.RetryPolicy;
import dev.sluice.topology.stage.SlowDown;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stage.StageContext;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.Split;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Asynchronous stages through the test driver: calls run on other threads while the stream thread goes
 * on, jobs overtake one another but each job's outputs keep their order, at most {@code concurrency}
 * calls run per task, and timeouts, retries, slow-downs and cancels do what the stage's settings say.
 * The driver waits for the calls itself: no test sleeps.
 */
class AsyncStageTest {

    /** Answers the calls, after whatever delay a test asks for. */
    private static final ScheduledExecutorService SERVICE = Executors.newScheduledThreadPool(4);

    @AfterAll
    static void stop() {
        SERVICE.shutdownNow();
    }

    /** {@code value} after {@code millis} ms, on the service's threads. */
    private static <T> CompletableFuture<T> later(T value, long millis) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        SERVICE.schedule(() -> answer.complete(value), millis, TimeUnit.MILLISECONDS);
        return answer;
    }

    private static Document upper(Document document) {
        return Document.newBuilder(document).setText(document.getText().toUpperCase(Locale.ROOT)).build();
    }

    private static String text(Result<?> result) {
        return ((Document) result.getOutput()).getText();
    }

    @Test
    void shouldLetOtherJobsOvertakeASlowCall() {
        AsyncStage<Document, Document> service = AsyncStage.of((document, context) ->
                later(upper(document), document.getId().equals("slow") ? 300 : 0));
        Pipeline pipeline = Pipeline.builder("calls").async("call", Document.class, Document.class, service).build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String slow = driver.submit("slow", "answered last");
            List<String> fast = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                fast.add(driver.submit("fast-" + i, "answered at once " + i));
            }
            var results = driver.results();
            assertThat(results).extracting(Result::getJobId).hasSize(6).endsWith(slow)
                    .containsAll(fast);
            assertThat(results).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.COMPLETED));
            assertThat(text(driver.result(slow))).isEqualTo("ANSWERED LAST");
            assertThat(driver.result(slow).getTrace()).singleElement().satisfies(t -> {
                assertThat(t.getStage()).isEqualTo("call");
                assertThat(t.getDurationMicros()).as("the call's own time").isGreaterThanOrEqualTo(250_000);
            });
        }
    }

    @Test
    void shouldSendEachJobsOutputsOnInTheOrderOfItsInputs() {
        // the later a chunk, the sooner its call comes back
        AsyncStage<Chunk, Chunk> service = AsyncStage.of((chunk, context) -> later(
                Chunk.newBuilder(chunk).setText(chunk.getText().toUpperCase(Locale.ROOT)).build(),
                Math.max(0, 200 - 20L * chunk.getIndex())));
        List<Integer> seen = new CopyOnWriteArrayList<>();
        Pipeline pipeline = Pipeline.builder("ordered")
                .flatMap("split", Document.class, Chunk.class, new Split(40, 0))
                .async("call", Chunk.class, Chunk.class, service)
                .stage("after", Chunk.class, Chunk.class, Stage.map(chunk -> {
                    seen.add(chunk.getIndex());
                    return chunk;
                }))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String id = driver.submit("doc", "one two three four five six seven eight nine ten eleven twelve thirteen"
                    + " fourteen fifteen sixteen seventeen eighteen nineteen twenty twenty-one twenty-two");
            var result = driver.result(id);
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            List<Chunk> chunks = ((IngestedDocument) result.getOutput()).getChunks();
            assertThat(chunks.size()).isGreaterThan(3);
            assertThat(chunks).allSatisfy(c -> assertThat(c.getText()).isEqualTo(c.getText().toUpperCase(Locale.ROOT)));
            List<Integer> inOrder = new ArrayList<>(seen);
            Collections.sort(inOrder);
            assertThat(seen).as("the stage after saw the parts in the order they came").isEqualTo(inOrder);
        }
    }

    @Test
    void shouldNeverRunMoreCallsAtOnceThanItsConcurrency() {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AsyncStage<Document, Document> service = AsyncStage.of((document, context) -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            return later(upper(document), 20).whenComplete((d, e) -> inFlight.decrementAndGet());
        });
        Pipeline pipeline = Pipeline.builder("bounded").async("call", Document.class, Document.class, service)
                .concurrency(3).build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            for (int i = 0; i < 20; i++) {
                driver.submit("doc-" + i, "text " + i);
            }
            assertThat(driver.results()).hasSize(20)
                    .allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(JobStatus.COMPLETED));
            assertThat(most.get()).isEqualTo(3);
        }
    }

    @Test
    void shouldFailACallPastItsTimeoutNamingTheStageAndCancelItsFuture() {
        List<CompletableFuture<List<Document>>> calls = new CopyOnWriteArrayList<>();
        AsyncStage<Document, Document> hangs = (document, context) -> {
            CompletableFuture<List<Document>> never = new CompletableFuture<>();
            calls.add(never);
            return never;
        };
        Pipeline pipeline = Pipeline.builder("hanging").async("call", Document.class, Document.class, hangs)
                .timeout(Duration.ofMillis(200)).build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            var result = driver.result(driver.submit("doc", "never answered"));
            assertThat(result.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(result.getError().getStage()).isEqualTo("call");
            assertThat(result.getError().getErrorClass()).isEqualTo(TimeoutException.class.getName());
            assertThat(result.getError().getMessage()).contains("within its timeout of 200 ms");
            assertThat(calls).singleElement().satisfies(f -> assertThat(f.isCancelled()).isTrue());
            assertThat(driver.deadLetters()).singleElement().satisfies(d -> assertThat(d.stage()).isEqualTo("call"));
        }
    }

    @Test
    void shouldRetryAFailedCallAsItsPolicySaysAndFailWithTheLastError() {
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        AsyncStage<Document, Document> flaky = (document, context) -> {
            attempts.computeIfAbsent(context.jobId(), j -> new AtomicInteger()).incrementAndGet();
            assertThat(context.idempotencyKey()).isEqualTo(context.jobId() + "/call");
            int failures = document.getId().equals("hopeless") ? 10 : 2;
            if (context.attempt() <= failures) {
                return CompletableFuture.failedFuture(new IOException("service unavailable, attempt " + context.attempt()));
            }
            return later(List.of(upper(document)), 0);
        };
        Pipeline pipeline = Pipeline.builder("retrying").async("call", Document.class, Document.class, flaky)
                .retry(RetryPolicy.attempts(3).backoff(Duration.ofMillis(100), Duration.ofSeconds(1)).jitter(0))
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String works = driver.submit("flaky", "third time lucky");
            String fails = driver.submit("hopeless", "never");
            var ok = driver.result(works);
            assertThat(ok.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(text(ok)).isEqualTo("THIRD TIME LUCKY");
            assertThat(ok.getTrace()).singleElement().satisfies(t -> assertThat(t.getNote())
                    .contains("attempt 1 failed (java.io.IOException: service unavailable, attempt 1); retrying in 100 ms"));
            var failed = driver.result(fails);
            assertThat(failed.getStatus()).isEqualTo(JobStatus.FAILED);
            assertThat(failed.getError().getAttempts()).isEqualTo(3);
            assertThat(failed.getError().getMessage()).isEqualTo("service unavailable, attempt 3");
            assertThat(attempts.get(works).get()).isEqualTo(3);
            assertThat(attempts.get(fails).get()).isEqualTo(3);
        }
    }

    @Test
    void shouldWaitOutASlowDownWithoutSpendingAnAttempt() {
        AtomicInteger calls = new AtomicInteger();
        AsyncStage<Document, Document> busy = (document, context) -> {
            if (calls.incrementAndGet() <= 3) {
                return CompletableFuture.failedFuture(SlowDown.ofHttp(429, "0").orElseThrow());
            }
            return later(List.of(upper(document)), 0);
        };
        Pipeline pipeline = Pipeline.builder("throttled").async("call", Document.class, Document.class, busy).build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            var result = driver.result(driver.submit("doc", "eventually"));
            assertThat(result.getStatus()).as("no retry policy, yet no failure").isEqualTo(JobStatus.COMPLETED);
            assertThat(text(result)).isEqualTo("EVENTUALLY");
            assertThat(calls.get()).isEqualTo(4);
            assertThat(result.getTrace()).singleElement().satisfies(t -> assertThat(t.getNote())
                    .contains("slowed down (SlowDown: HTTP 429, Retry-After: 0); calling again in 100 ms"));
        }
    }

    @Test
    void shouldCancelTheRunningCallOfACancelledJob() {
        List<CompletableFuture<List<Document>>> calls = new CopyOnWriteArrayList<>();
        List<StageContext> contexts = new CopyOnWriteArrayList<>();
        AsyncStage<Document, Document> slow = (document, context) -> {
            CompletableFuture<List<Document>> answer = new CompletableFuture<>();
            calls.add(answer);
            contexts.add(context);
            return answer;
        };
        Pipeline pipeline = Pipeline.builder("cancelled").async("call", Document.class, Document.class, slow)
                .timeout(Duration.ofMinutes(5)).build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String id = driver.submit("doc", "cancelled while its call runs");
            assertThat(calls).hasSize(1);
            driver.cancel(id);
            var result = driver.result(id);
            assertThat(result.getStatus()).isEqualTo(JobStatus.CANCELLED);
            assertThat(calls.get(0).isCancelled()).as("the call's future").isTrue();
            assertThat(contexts.get(0).isCancelled()).as("the call's context").isTrue();
        }
    }

    @Test
    void shouldFailAJobWhoseCallThrowsOrAnswersWithTheWrongTypeAndGoOnWithTheOthers() {
        AsyncStage<Document, Document> broken = (document, context) -> {
            switch (document.getId()) {
                case "throws" -> throw new IllegalStateException("cannot even start");
                case "null" -> {
                    return null;
                }
                case "many" -> {
                    return later(List.of(document, document), 0);
                }
                default -> {
                    return later(List.of(upper(document)), 0);
                }
            }
        };
        Pipeline pipeline = Pipeline.builder("broken").async("call", Document.class, Document.class, broken).build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String throwing = driver.submit("throws", "a");
            String nothing = driver.submit("null", "b");
            String many = driver.submit("many", "c");
            String fine = driver.submit("fine", "d");
            assertThat(driver.result(throwing).getError().getMessage()).isEqualTo("cannot even start");
            assertThat(driver.result(nothing).getError().getMessage()).contains("returned null");
            assertThat(driver.result(many).getError().getMessage()).contains("must be declared as a flat-map");
            assertThat(driver.result(fine).getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(driver.deadLetters()).hasSize(3);
        }
    }

    @Test
    void shouldFanOutWhenDeclaredAsAFlatMap() {
        AsyncStage<Document, Chunk> words = (document, context) -> {
            String[] split = document.getText().split(" ");
            List<Chunk> chunks = new ArrayList<>();
            int at = 0;
            for (int i = 0; i < split.length; i++) {
                chunks.add(Chunk.newBuilder().setDocumentId(document.getId()).setIndex(i).setStart(at)
                        .setEnd(at + split[i].length()).setText(split[i]).build());
                at += split[i].length() + 1;
            }
            return later(chunks, 10);
        };
        Pipeline pipeline = Pipeline.builder("fanning")
                .asyncFlatMap("words", Document.class, Chunk.class, words)
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            var result = driver.result(driver.submit("doc", "three little words"));
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(((IngestedDocument) result.getOutput()).getChunks()).extracting(Chunk::getText)
                    .containsExactly("three", "little", "words");
        }
    }

    @Test
    void shouldCallABatchStageWithTheInputsOfManyJobsAndAnswerEachInItsJobsOrder() {
        List<List<String>> batches = new CopyOnWriteArrayList<>();
        AsyncBatchStage<Chunk, Chunk> embed = (chunks, contexts) -> {
            batches.add(contexts.stream().map(StageContext::idempotencyKey).toList());
            List<Chunk> out = new ArrayList<>();
            for (Chunk chunk : chunks) {
                out.add(Chunk.newBuilder(chunk).setText(chunk.getText().toUpperCase(Locale.ROOT)).build());
            }
            return later(out, 10);
        };
        Pipeline pipeline = Pipeline.builder("batching")
                .flatMap("split", Document.class, Chunk.class, new Split(12, 0))
                .asyncBatch("embed", Chunk.class, Chunk.class, embed, 9, Duration.ofSeconds(5))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(driver.submit("doc-" + i, "alpha beta gamma delta epsilon zeta"));
            }
            for (String id : ids) {
                var result = driver.result(id);
                assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
                assertThat(((IngestedDocument) result.getOutput()).getChunks()).extracting(Chunk::getText)
                        .containsExactly("ALPHA BETA", "GAMMA DELTA", "EPSILON ZETA");
            }
            assertThat(batches).as("one call for the nine chunks of three jobs").singleElement()
                    .satisfies(b -> assertThat(b).hasSize(9).contains(ids.get(0) + "/embed/0", ids.get(2) + "/embed/2"));
        }
    }
}
