package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.StageTrace;
import dev.sluice.serdes.Result;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.pipeline.PipelineConfig;
import dev.sluice.topology.pipeline.StageDefinition;
import dev.sluice.topology.stage.BatchStage;
import dev.sluice.topology.stage.Emitter;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stage.StageContext;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.BuiltinStages;
import dev.sluice.topology.stages.Split;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

/** Each shape of a pipeline graph, through the test driver. */
class GraphShapesTest {

    private static final String LONG = "Long documents take the bulk lane through their own topic. ".repeat(80);
    private static final String SHORT = "A short note stays on the main path.";

    private static List<String> stages(Result<?> result) {
        return result.getTrace().stream().map(StageTrace::getStage).toList();
    }

    @Test
    void shouldTakeTheDefaultPathWhenNoRouteAccepts() {
        Pipeline pipeline = Pipeline.builder("paths")
                .branch("route", Document.class, b -> b.when("shouting", d -> d.getText().startsWith("!"), "shout"))
                .stage("quiet", Document.class, Document.class, Stage.map(d -> d))
                .stage("shout", Document.class, Document.class,
                        Stage.map(d -> Document.newBuilder(d).setText(d.getText().toUpperCase(Locale.ROOT)).build()))
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            var quiet = driver.result(driver.submit("d1", "hello"));
            var loud = driver.result(driver.submit("d2", "!hello"));
            assertThat(stages(quiet)).containsExactly("route", "quiet");
            assertThat(((Document) quiet.getOutput()).getText()).isEqualTo("hello");
            assertThat(stages(loud)).containsExactly("route", "shout");
            assertThat(((Document) loud.getOutput()).getText()).isEqualTo("!HELLO");
        }
    }

    @Test
    void shouldRouteLongDocumentsToTheBulkLane() {
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            String longJob = driver.submit("long", LONG);
            String shortJob = driver.submit("short", SHORT);
            assertThat(driver.laneRecords("bulk")).containsExactly(longJob);
            var bulk = driver.result(longJob);
            assertThat(bulk.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(stages(bulk)).startsWith("normalize", "route").contains("split", "merge", "assemble");
            assertThat(bulk.getTrace()).filteredOn(t -> t.getStage().equals("route")).singleElement()
                    .satisfies(t -> assertThat(t.getNote()).isEqualTo("lane bulk"));
            assertThat(driver.result(shortJob).getTrace()).filteredOn(t -> t.getStage().equals("route")).singleElement()
                    .satisfies(t -> assertThat(t.getNote()).isEqualTo("otherwise: split"));
            assertThat(((IngestedDocument) bulk.getOutput()).getChunks()).hasSizeGreaterThan(4);
            assertThat(driver.result(shortJob).getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(driver.results()).hasSize(2);
        }
    }

    @Test
    void shouldEmbedAndPickKeywordsInParallelAndJoinThemPerChunk() {
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            var result = driver.result(driver.submit("doc", "Kafka streams carry jobs. Kafka topics keep them. "
                    .repeat(30)));
            List<Chunk> chunks = ((IngestedDocument) result.getOutput()).getChunks();
            assertThat(chunks).hasSizeGreaterThan(1).allSatisfy(c -> {
                assertThat(c.getEmbedding()).hasSize(BuiltinStages.DEFAULT_DIMENSION);
                assertThat(c.getKeywords()).startsWith("kafka");
            });
            assertThat(chunks).extracting(Chunk::getIndex).isSorted().doesNotHaveDuplicates();
            assertThat(driver.topology().describe().toString()).contains("merge-left", "merge-right", "merge-store");
        }
    }

    @Test
    void shouldReadOnePartitionPerTaskSoThatNoTaskWaitsForAnother() {
        // Sluice sets max.task.idle.ms to -1 (SluiceConfig): that is only safe while no task reads two
        // topics, whose records Kafka Streams would otherwise line up by time
        for (Pipeline pipeline : List.of(BuiltinStages.ingest(), Pipeline.passThrough())) {
            try (var driver = PipelineTestDriver.of(pipeline)) {
                for (TopologyDescription.Subtopology sub : driver.topology().describe().subtopologies()) {
                    Set<String> topics = new TreeSet<>();
                    sub.nodes().stream().filter(n -> n instanceof TopologyDescription.Source)
                            .forEach(n -> topics.addAll(((TopologyDescription.Source) n).topicSet()));
                    assertThat(topics).as("sub-topology %d of %s", sub.id(), pipeline.name()).hasSize(1);
                }
            }
        }
    }

    @Test
    void shouldNoteWhyAFilterDroppedAPart() {
        Pipeline pipeline = Pipeline.builder("filtered")
                .flatMap("words", Document.class, Chunk.class, GraphShapesTest::words)
                .stage("long-only", Chunk.class, Chunk.class, Stage.filter(c -> c.getText().length() > 5, "five letters or fewer"))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            var result = driver.result(driver.submit("doc", "tiny sizeable wee important"));
            assertThat(((IngestedDocument) result.getOutput()).getChunks()).extracting(Chunk::getText)
                    .containsExactly("sizeable", "important");
            assertThat(result.getTrace()).filteredOn(t -> t.getStage().equals("long-only"))
                    .singleElement().satisfies(t -> assertThat(t.getNote()).isEqualTo("dropped: five letters or fewer (2 times)"));
        }
    }

    private static void words(Document document, StageContext context,
                              Emitter<Chunk> out) {
        String[] words = document.getText().split(" ");
        for (int i = 0; i < words.length; i++) {
            out.emit(Chunk.newBuilder().setDocumentId(document.getId()).setIndex(i).setStart(0).setEnd(0)
                    .setText(words[i]).build());
        }
    }

    private static Pipeline batched(int size, Duration linger, Duration gatherTimeout) {
        BatchStage<Chunk, Chunk> upper = inputs -> inputs.stream()
                .map(c -> Chunk.newBuilder(c).setText(c.getText().toUpperCase(Locale.ROOT)).build()).toList();
        return Pipeline.builder("batched")
                .flatMap("split", Document.class, Chunk.class, new Split(6, 0))
                .batch("upper", Chunk.class, Chunk.class, upper, size, linger)
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble(), gatherTimeout)
                .build();
    }

    @Test
    void shouldRunABatchAsSoonAsItIsFull() {
        try (var driver = PipelineTestDriver.of(batched(3, Duration.ofMinutes(1), Duration.ofMinutes(5)))) {
            var result = driver.result(driver.submit("doc", "aaaa bbbb cccc"));
            assertThat(((IngestedDocument) result.getOutput()).getChunks()).extracting(Chunk::getText)
                    .containsExactly("AAAA", "BBBB", "CCCC");
        }
    }

    @Test
    void shouldEmbedInBatchesWhenTheConfigurationSaysSo() {
        Pipeline pipeline = PipelineConfig.fromConfig("batched-embed", List.of(
                Map.of("name", "split", "params", Map.of("size", 40, "overlap", 0)),
                Map.of("name", "embed", "batch", Map.of("size", 4, "linger", "200ms")),
                Map.of("name", "assemble")));
        assertThat(pipeline.stage("embed")).isInstanceOf(StageDefinition.Batch.class);
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String id = driver.submit("doc", "Batches of chunks go to the embedding stage together. ".repeat(3));
            driver.advanceWallClock(Duration.ofSeconds(1));
            List<Chunk> chunks = ((IngestedDocument) driver.result(id).getOutput()).getChunks();
            assertThat(chunks).hasSizeGreaterThan(4).allSatisfy(c -> assertThat(c.getEmbedding()).hasSize(256));
        }
    }

    @Test
    void shouldRunAPartBatchOnceItsOldestInputHasWaitedTheLinger() {
        try (var driver = PipelineTestDriver.of(batched(100, Duration.ofMillis(500), Duration.ofMinutes(5)))) {
            String id = driver.submit("doc", "aaaa bbbb cccc");
            assertThat(driver.results()).isEmpty();
            driver.advanceWallClock(Duration.ofSeconds(1));
            var result = driver.result(id);
            assertThat(result.getPartial()).isFalse();
            assertThat(((IngestedDocument) result.getOutput()).getChunks()).hasSize(3);
        }
    }

    @Test
    void shouldFlushAGatherThatTimedOutAsPartialAndSendTheLatePartToTheDeadLetterTopic() {
        // a batch of two runs at once; the third part waits 10 s, longer than the gather's 1 s timeout
        var meters = new SimpleMeterRegistry();
        try (var driver = PipelineTestDriver.builder(batched(2, Duration.ofSeconds(10), Duration.ofSeconds(1)))
                .meters(meters).build()) {
            String id = driver.submit("doc", "aaaa bbbb cccc");
            assertThat(driver.results()).isEmpty();
            driver.advanceWallClock(Duration.ofSeconds(2));
            var partial = driver.result(id);
            assertThat(partial.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(partial.getPartial()).isTrue();
            assertThat(((IngestedDocument) partial.getOutput()).getChunks()).extracting(Chunk::getText)
                    .containsExactly("AAAA", "BBBB");
            assertThat(driver.deadLetters()).isEmpty();
            // the timed-out group is counted as partial; the batch's one call took two inputs
            assertThat(meters.get("sluice.gather.groups").tag("stage", "assemble").tag("outcome", "partial").counter().count()).isEqualTo(1);
            assertThat(meters.get("sluice.gather.groups").tag("stage", "assemble").tag("outcome", "complete").counter().count()).isZero();
            assertThat(meters.get("sluice.stage.processing").tag("stage", "upper").timer().count()).isEqualTo(1);
            assertThat(meters.get("sluice.stage.records").tag("stage", "upper").tag("outcome", "in").counter().count())
                    .isEqualTo(2);

            driver.advanceWallClock(Duration.ofSeconds(10));
            assertThat(driver.results()).hasSize(1);
            assertThat(driver.deadLetters()).singleElement().satisfies(dl -> {
                assertThat(dl.stage()).isEqualTo("assemble");
                assertThat(dl.header("__streams.errors.exception")).isEqualTo("LatePart");
                assertThat(dl.message()).contains("part 2 of 3", "after gather 'assemble'");
                assertThat(dl.keyAsString()).isEqualTo(id);
            });
        }
    }
}
