package dev.sluice.topology.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.topology.stage.AsyncBatchStage;
import dev.sluice.topology.stage.AsyncStage;
import dev.sluice.topology.stage.Emitter;
import dev.sluice.topology.stage.GatherStage;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stage.StageContext;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.BuiltinStages;
import dev.sluice.topology.stages.Embed;
import dev.sluice.topology.stages.MergeChunks;
import dev.sluice.topology.stages.Split;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class PipelineGraphTest {

    private static final Stage<Document, Document> SAME = Stage.map(d -> d);

    @Test
    void shouldWireTheBuiltinIngestGraph() {
        Pipeline ingest = BuiltinStages.ingest();
        assertThat(ingest.successors("normalize")).containsExactly("route");
        assertThat(ingest.successors("route")).containsExactly("split");
        assertThat(ingest.successors("enrich")).containsExactly("embed", "keywords");
        assertThat(ingest.stage("merge").inputs()).containsExactly("embed", "keywords");
        assertThat(ingest.stage("assemble").inputs()).containsExactly("merge");
        assertThat(ingest.lanes()).containsExactly("bulk");
        assertThat(ingest.laneEntry("bulk").name()).isEqualTo("split");
        assertThat(ingest.reachableFrom("split")).extracting(StageDefinition::name)
                .containsExactly("split", "enrich", "embed", "keywords", "merge", "assemble");
    }

    @Test
    void shouldBuildTheSameGraphFromConfigurationAsFromJava() {
        Pipeline fromConfig = PipelineConfig.fromConfig(BuiltinStages.INGEST, BuiltinStages.ingestConfig());
        assertThat(PipelineDescription.text(fromConfig)).isEqualTo(PipelineDescription.text(BuiltinStages.ingest()));
    }

    @Test
    void shouldRejectACycle() {
        assertThatThrownBy(() -> Pipeline.builder("loop")
                .stage("a", Document.class, Document.class, SAME)
                .stage("b", Document.class, Document.class, SAME).after("a", "c")
                .stage("c", Document.class, Document.class, SAME).after("b")
                .build())
                .isInstanceOf(InvalidPipelineException.class).hasMessageContaining("cycle")
                .hasMessageContaining("b -> c");
    }

    @Test
    void shouldRejectAnUnreachableStage() {
        assertThatThrownBy(() -> Pipeline.builder("island")
                .stage("a", Document.class, Document.class, SAME)
                .stage("b", Document.class, Document.class, SAME).after()
                .build())
                .hasMessageContaining("stage 'b' is unreachable");
    }

    @Test
    void shouldRejectAJoinWithASideMissing() {
        assertThatThrownBy(() -> Pipeline.builder("one-sided")
                .flatMap("split", Document.class, Chunk.class, new Split(100, 0))
                .stage("embed", Chunk.class, Chunk.class, new Embed(8))
                .join("merge", "embed", "keywords", Chunk.class, Chunk.class, Chunk.class, new MergeChunks(),
                        Duration.ofSeconds(5))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build())
                .hasMessageContaining("join 'merge': side 'keywords' is missing");
    }

    @Test
    void shouldRejectAnEdgeWhoseTypesDoNotMatchInAGraph() {
        assertThatThrownBy(() -> Pipeline.builder("mismatch")
                .flatMap("split", Document.class, Chunk.class, new Split(100, 0))
                .broadcast("enrich", Chunk.class, "embed", "shout")
                .stage("embed", Chunk.class, Chunk.class, new Embed(8))
                .stage("shout", Document.class, Document.class, SAME)
                .join("merge", "embed", "shout", Chunk.class, Chunk.class, Chunk.class, new MergeChunks(),
                        Duration.ofSeconds(5))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build())
                .hasMessageContaining("edge enrich -> shout: 'enrich' emits Chunk but 'shout' takes Document");
    }

    @Test
    void shouldRejectAGatherOfSomethingThatCannotWaitInAStore() {
        GatherStage<String, Document> concat = (words, context) -> Document.newBuilder().setId("d").setText(
                String.join(" ", words)).build();
        assertThatThrownBy(() -> Pipeline.builder("plain-strings")
                .flatMap("words", Document.class, String.class, (d, context, out) -> List.of(d.getText().split(" "))
                        .forEach(out::emit))
                .gather("concat", String.class, Document.class, concat)
                .build())
                .hasMessageContaining("gather 'concat' takes java.lang.String, which is not an Avro record");
    }

    @Test
    void shouldRejectALaneThatWouldCarryParts() {
        assertThatThrownBy(() -> Pipeline.builder("parts-to-lane")
                .flatMap("split", Document.class, Chunk.class, new Split(100, 0))
                .branch("route", Chunk.class, b -> b.whenLane("long", c -> true, "bulk"))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build())
                .hasMessageContaining("branch 'route' sends parts of a job to a lane");
    }

    @Test
    void shouldRejectABroadcastToAStageThatDoesNotExist() {
        assertThatThrownBy(() -> Pipeline.builder("lost")
                .flatMap("split", Document.class, Chunk.class, new Split(100, 0))
                .broadcast("enrich", Chunk.class, "embed", "keywords")
                .stage("embed", Chunk.class, Chunk.class, new Embed(8))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build())
                .hasMessageContaining("broadcast 'enrich' sends to unknown stage 'keywords'");
    }

    @Test
    void shouldReadAGraphFromConfigurationAndNameBadKeys() {
        Pipeline p = PipelineConfig.fromConfig("custom", List.of(
                Map.of("name", "normalize"),
                Map.of("name", "route", "branch", List.of(Map.of("when", "chars < 20", "to", "short"))),
                Map.of("name", "split", "after", List.of("route", "short")),
                Map.of("name", "embed"),
                Map.of("name", "assemble", "gather", Map.of("timeout", "5s")),
                Map.of("name", "short", "class", Shout.class.getName(), "after", List.of("route"))));
        assertThat(p.successors("route")).containsExactlyInAnyOrder("split", "short");
        assertThat(p.successors("short")).containsExactly("split");
        assertThat(p.stage("assemble", StageDefinition.Gather.class).timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(
                Map.of("name", "route", "branch", List.of(Map.of("when", "pages > 3", "lane", "bulk"))))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.route.branch[0]")
                .hasMessageContaining("unknown field 'pages'");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(Map.of("name", "a", "class", "com.example.Nope"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.a.class").hasMessageContaining("no such class");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(Map.of("name", "a", "class",
                NeedsAnInt.class.getName())))).isInstanceOf(ConfigException.class).hasMessageContaining("stages.a.class")
                .hasMessageContaining(NeedsAnInt.class.getName()).hasMessageContaining("no public constructor taking no"
                        + " arguments or its params");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(Map.of("name", "a", "class",
                Refuses.class.getName())))).isInstanceOf(ConfigException.class).hasMessageContaining("stages.a.class")
                .hasMessageContaining("cannot make one: java.lang.IllegalStateException: not today");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(Map.of("name", "assemble", "gather",
                Map.of("timeout", "soon")))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.assemble.gather.timeout");
    }

    @Test
    void shouldReadAnAsynchronousStageFromConfigurationAndNameBadSettings() {
        Pipeline p = PipelineConfig.fromConfig("calling", List.of(
                Map.of("name", "ask", "class", Ask.class.getName(),
                        "async", Map.of("concurrency", 8, "rate", "2.5", "timeout", "3s"))));
        StageDefinition.Async ask = p.stage("ask", StageDefinition.Async.class);
        assertThat(ask.concurrency()).isEqualTo(8);
        assertThat(ask.rate()).isEqualTo(2.5);
        assertThat(ask.timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(ask.kind()).isEqualTo(StageDefinition.Kind.STAGE);
        assertThat(PipelineDescription.text(p)).contains("asynchronous: concurrency 8 per task, rate 2.5/s, timeout 3s")
                .contains("store ask-calls");

        StageDefinition.Async defaults = PipelineConfig.fromConfig("calling", List.of(
                Map.of("name", "ask", "class", Ask.class.getName()))).stage("ask", StageDefinition.Async.class);
        assertThat(defaults.concurrency()).isEqualTo(StageDefinition.DEFAULT_CONCURRENCY);
        assertThat(defaults.rate()).isZero();
        assertThat(defaults.timeout()).isEqualTo(StageDefinition.DEFAULT_ASYNC_TIMEOUT);

        for (Map.Entry<String, Object> bad : Map.<String, Object>of("concurrency", 0, "rate", "fast", "timeout", "soon",
                "flat-map", "maybe", "retries", 3).entrySet()) {
            assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(Map.of("name", "ask", "class",
                    Ask.class.getName(), "async", Map.of(bad.getKey(), bad.getValue())))))
                    .as(bad.getKey()).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("stages.ask.async." + bad.getKey());
        }
        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(Map.of("name", "shout", "class",
                Shout.class.getName(), "async", Map.of("concurrency", 2)))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.shout.async")
                .hasMessageContaining("must implement AsyncStage");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(Map.of("name", "ask", "class",
                Ask.class.getName(), "time-limit", "1s", "async", Map.of("timeout", "2s")))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.ask.async.timeout");
        assertThatThrownBy(() -> Pipeline.builder("x").stage("shout", Document.class, Document.class, new Shout())
                .concurrency(4).build())
                .isInstanceOf(InvalidPipelineException.class).hasMessageContaining("only asynchronous stages");
    }

    @Test
    void shouldReadAnAsynchronousBatchStageFromConfiguration() {
        Pipeline p = PipelineConfig.fromConfig("batching", List.of(Map.of("name", "embed", "class",
                AskMany.class.getName(), "async", Map.of("concurrency", 64, "batch-size", 16, "linger", "30ms"))));
        assertThat(PipelineDescription.text(p)).contains("concurrency 64 per task")
                .contains("batches of up to 16, linger 30ms").contains("AskMany");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(Map.of("name", "ask", "class",
                Ask.class.getName(), "async", Map.of("batch-size", 4)))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.ask.async.batch-size")
                .hasMessageContaining("AsyncBatchStage");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(Map.of("name", "embed", "class",
                AskMany.class.getName(), "async", Map.of("batch-size", 0)))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.embed.async.batch-size");
    }

    @Test
    void shouldGiveAStageTheShapeItSaysAndRefuseAClassThatDoesNotFitNamingTheStage() {
        Pipeline p = PipelineConfig.fromConfig("shaped", List.of(
                Map.of("name", "loud", "class", Shout.class.getName(), "shape", "flat-map"),
                Map.of("name", "louder", "class", Shout.class.getName(), "shape", "filter"),
                Map.of("name", "ask", "class", Ask.class.getName(), "shape", "async"),
                Map.of("name", "together", "class", Together.class.getName(), "shape", "gather")));
        assertThat(p.stage("loud")).isInstanceOf(StageDefinition.FlatMap.class);
        assertThat(p.stage("louder")).isInstanceOf(StageDefinition.Map.class);
        assertThat(p.stage("ask", StageDefinition.Async.class).fansOut()).isFalse();
        assertThat(PipelineConfig.fromConfig("x", List.of(
                Map.of("name", "ask", "class", Ask.class.getName(), "shape", "async-flat-map"),
                Map.of("name", "together", "class", Together.class.getName()))).stage("ask", StageDefinition.Async.class)
                .fansOut()).isTrue();
        // two fan-outs, one gather: the one left open is named
        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(
                Map.of("name", "loud", "class", Shout.class.getName(), "shape", "flat-map"),
                Map.of("name", "ask", "class", Ask.class.getName(), "shape", "async-flat-map"),
                Map.of("name", "together", "class", Together.class.getName()))))
                .isInstanceOf(InvalidPipelineException.class)
                .hasMessageContaining("stage 'loud' fans out but no gather stage after it");
        assertThat(PipelineConfig.fromConfig("x", List.of(Map.of("name", "normalize", "shape", "map"),
                Map.of("name", "split", "shape", "flat-map"), Map.of("name", "assemble", "shape", "gather")))
                .stage("split")).isInstanceOf(StageDefinition.FlatMap.class);
        assertThat(PipelineConfig.fromConfig("x", List.of(Map.of("name", "embed", "class", AskMany.class.getName(),
                "shape", "async-batch"))).stage("embed")).isInstanceOf(StageDefinition.Async.class);

        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(Map.of("name", "loud", "class",
                Shout.class.getName(), "shape", "join"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.loud.shape")
                .hasMessageContaining("stage 'loud' has the shape map, not join").hasMessageContaining("JoinStage");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(Map.of("name", "count", "class",
                Count.class.getName(), "shape", "filter"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.count.shape")
                .hasMessageContaining("takes Document and emits Chunk");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(Map.of("name", "ask", "class",
                Ask.class.getName(), "shape", "map"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stage 'ask' has the shape async, not map");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(Map.of("name", "assemble", "shape", "map"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.assemble.shape")
                .hasMessageContaining("has the shape gather");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("x", List.of(Map.of("name", "loud", "class",
                Shout.class.getName(), "shape", "wide"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown shape")
                .hasMessageContaining("map, flat-map, filter, batch, gather, join, async, async-flat-map, async-batch");
    }

    /** A gather stage given by class name: the parts' texts, joined. */
    public static final class Together implements GatherStage<Document, Document> {
        @Override
        public Document gather(List<Document> parts, StageContext context) {
            return Document.newBuilder(parts.get(0)).setText(String.join(" ",
                    parts.stream().map(Document::getText).toList())).build();
        }
    }

    /** A stage whose output is not its input: it cannot be a filter. */
    public static final class Count implements Stage<Document, Chunk> {
        @Override
        public void process(Document input, StageContext context, Emitter<Chunk> out) {
            out.emit(Chunk.newBuilder().setDocumentId(input.getId()).setIndex(0).setStart(0)
                    .setEnd(0).setText(Integer.toString(input.getText().length())).build());
        }
    }

    /** An asynchronous batch stage given by class name in a configuration file. */
    public static final class AskMany implements AsyncBatchStage<Document, Document> {
        @Override
        public CompletionStage<List<Document>> call(List<Document> inputs, List<StageContext> contexts) {
            return CompletableFuture.completedFuture(inputs);
        }
    }

    /** An asynchronous stage given by class name in a configuration file. */
    public static final class Ask implements AsyncStage<Document, Document> {
        @Override
        public CompletionStage<List<Document>> call(Document input, StageContext context) {
            return CompletableFuture.completedFuture(List.of(input));
        }
    }

    /** A stage given by class name in a configuration file. */
    public static final class Shout implements Stage<Document, Document> {
        @Override
        public void process(Document input, StageContext context, Emitter<Document> out) {
            out.emit(Document.newBuilder(input).setText(input.getText().toUpperCase(Locale.ROOT)).build());
        }
    }


    /** A stage a configuration file cannot make: its one constructor takes an int. */
    public static final class NeedsAnInt implements Stage<Document, Document> {
        public NeedsAnInt(int size) {
        }

        @Override
        public void process(Document input, StageContext context, Emitter<Document> out) {
            out.emit(input);
        }
    }

    /** A stage whose constructor throws. */
    public static final class Refuses implements Stage<Document, Document> {
        public Refuses() {
            throw new IllegalStateException("not today");
        }

        @Override
        public void process(Document input, StageContext context, Emitter<Document> out) {
            out.emit(input);
        }
    }
}
