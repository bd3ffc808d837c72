package dev.sluice.topology.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobResult;
import dev.sluice.serdes.PayloadType;
import dev.sluice.topology.stage.RetryPolicy;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.BuiltinStages;
import dev.sluice.topology.stages.Split;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class PipelineTest {

    @Test
    void shouldBuildTheBuiltinIngestPipeline() {
        Pipeline ingest = BuiltinStages.ingest();
        assertThat(ingest.stages()).extracting(StageDefinition::name)
                .containsExactly("normalize", "route", "split", "enrich", "embed", "keywords", "merge", "assemble");
        assertThat(ingest.input()).isEqualTo(PayloadType.of(Document.class));
        assertThat(ingest.output()).isEqualTo(PayloadType.of(IngestedDocument.class));
    }

    @Test
    void shouldRejectAnEdgeWhoseTypesDoNotMatch() {
        assertThatThrownBy(() -> Pipeline.builder("bad")
                .stage("upper", Document.class, Document.class, Stage.map(d -> d))
                .gather("assemble", Chunk.class, IngestedDocument.class, (parts, ctx) -> null)
                .build())
                .isInstanceOf(InvalidPipelineException.class)
                .hasMessageContaining("edge upper -> assemble: 'upper' emits Document but 'assemble' takes Chunk");
    }

    @Test
    void shouldRejectDuplicateNames() {
        assertThatThrownBy(() -> Pipeline.builder("dup")
                .stage("same", Document.class, Document.class, Stage.map(d -> d))
                .stage("same", Document.class, Document.class, Stage.map(d -> d))
                .build())
                .hasMessageContaining("stage name 'same' is used twice");
    }

    @Test
    void shouldRejectAFanOutThatIsNeverGathered() {
        assertThatThrownBy(() -> Pipeline.builder("open")
                .flatMap("explode", Document.class, Document.class, (d, ctx, out) -> out.emit(d))
                .build())
                .hasMessageContaining("stage 'explode' fans out but no gather stage after it");
    }

    @Test
    void shouldRejectALastStageWhoseOutputAResultCannotCarry() {
        assertThatThrownBy(() -> Pipeline.builder("texty")
                .stage("to-text", Document.class, String.class, Stage.map(Document::getText))
                .build())
                .hasMessageContaining("edge to-text -> results: 'to-text' emits String, which is not a generated Avro"
                        + " class");
        assertThatThrownBy(() -> Pipeline.builder("chunky").output(IngestedDocument.class)
                .stage("to-chunk", Document.class, Chunk.class, Stage.map(d -> new Chunk()))
                .build())
                .hasMessageContaining("edge to-chunk -> results: 'to-chunk' emits Chunk, but the pipeline's output is"
                        + " dev.sluice.schemas.IngestedDocument");
    }

    @Test
    void shouldTellThePayloadTypesFromTheFirstAndLastStagesOrTakeTheDeclaredOnes() {
        Pipeline told = Pipeline.builder("told")
                .stage("first", JobResult.class, Chunk.class, Stage.map(r -> new Chunk())).build();
        assertThat(told.input()).isEqualTo(PayloadType.of(JobResult.class));
        assertThat(told.output()).isEqualTo(PayloadType.of(Chunk.class));
        Pipeline declared = Pipeline.builder("declared").input(Document.class).output(PayloadType.any())
                .stage("first", Object.class, Object.class, Stage.map(x -> x)).build();
        assertThat(declared.input()).isEqualTo(PayloadType.of(Document.class));
        assertThat(declared.output().isAny()).isTrue();
        assertThatThrownBy(() -> Pipeline.builder("wrong-start").input(Document.class)
                .stage("first", JobResult.class, Document.class, Stage.map(r -> new Document()))
                .build())
                .hasMessageContaining("first stage 'first' takes JobResult, but the pipeline's input is"
                        + " dev.sluice.schemas.Document");
        assertThatThrownBy(() -> Pipeline.builder("untyped")
                .stage("first", String.class, Document.class, Stage.map(r -> new Document()))
                .build())
                .hasMessageContaining("first stage 'first' takes String, which is not a generated Avro class: declare"
                        + " the pipeline's input");
    }

    @Test
    void shouldRejectBadStageNames() {
        assertThatThrownBy(() -> Pipeline.builder("names")
                .stage("Has Space", Document.class, Document.class, Stage.map(d -> d))
                .build())
                .hasMessageContaining("stage name 'Has Space' must be lower-case");
    }

    @Test
    void shouldRejectUnknownBuiltinStagesAndParameters() {
        assertThatThrownBy(() -> PipelineConfig.fromConfig("p", List.of(Map.of("name", "tokenize"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tokenize").hasMessageContaining("normalize, split, embed, keywords, merge, assemble");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("p", List.of(
                Map.of("name", "split", "params", Map.of("chunk", 5)))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("stages.split.chunk").hasMessageContaining("overlap, size");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("p", List.of(
                Map.of("name", "split", "params", Map.of("size", "100", "overlap", "200")))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("stage 'split'").hasMessageContaining("less than the chunk size 100");
    }

    @Test
    void shouldReadARetryPolicyFromTheConfigurationAndNameABadKey() {
        Pipeline pipeline = PipelineConfig.fromConfig("p", List.of(
                Map.of("name", "normalize", "retry", Map.of("attempts", 4, "backoff", "50ms", "max-backoff", "2s",
                        "multiplier", 3, "jitter", 0.1, "on", List.of("java.io.IOException")))));
        assertThat(pipeline.stage("normalize", StageDefinition.Map.class).retry()).isEqualTo(RetryPolicy.attempts(4)
                .backoff(Duration.ofMillis(50), Duration.ofSeconds(2)).multiplier(3).jitter(0.1)
                .retryOn(IOException.class));
        assertThat(PipelineConfig.fromConfig("p", List.of(Map.of("name", "normalize"))).stage("normalize", StageDefinition.Map.class).retry())
                .isEqualTo(RetryPolicy.NONE);
        assertThat(PipelineDescription.text(pipeline))
                .contains("retry 4 attempts, backoff 50 ms x3.0 up to 2000 ms, jitter 0.1, on [IOException]")
                .contains("store normalize-retries");

        assertThatThrownBy(() -> PipelineConfig.fromConfig("p", List.of(
                Map.of("name", "normalize", "retry", Map.of("attempts", 3, "tries", 2)))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.normalize.retry.tries");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("p", List.of(
                Map.of("name", "normalize", "retry", Map.of("attempts", 3, "on", List.of("java.lang.String"))))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.normalize.retry.on")
                .hasMessageContaining("not an exception");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("p", List.of(
                Map.of("name", "normalize", "retry", Map.of("attempts", 3, "jitter", 1.5)))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.normalize.retry.jitter");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("p", List.of(
                Map.of("name", "normalize", "retry", Map.of("backoff", "1s")))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.normalize.retry.attempts");
    }

    @Test
    void shouldRejectRetriesOnAStageThatRunsNoCodeOfItsOwnOrThatOutwaitTheGather() {
        assertThatThrownBy(() -> Pipeline.builder("bad")
                .flatMap("split", Document.class, Chunk.class, new Split(10, 0))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .retry(RetryPolicy.attempts(3))
                .build())
                .isInstanceOf(InvalidPipelineException.class)
                .hasMessageContaining("gather 'assemble' cannot retry");
        assertThatThrownBy(() -> Pipeline.builder("bad")
                .flatMap("split", Document.class, Chunk.class, new Split(10, 0))
                .stage("embed", Chunk.class, Chunk.class, Stage.map(c -> c))
                .retry(RetryPolicy.attempts(4).backoff(Duration.ofSeconds(5), Duration.ofSeconds(20)))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble(),
                        Duration.ofSeconds(30))
                .build())
                .isInstanceOf(InvalidPipelineException.class)
                .hasMessageContaining("stage 'embed' can wait up to 42000 ms for its retries")
                .hasMessageContaining("gather 'assemble' waits for a job's parts (30000 ms)");
        // the same retries before the fan-out keep the whole job back, and no gather waits for it
        assertThat(Pipeline.builder("fine")
                .stage("fetch", Document.class, Document.class, Stage.map(d -> d))
                .retry(RetryPolicy.attempts(4).backoff(Duration.ofSeconds(5), Duration.ofSeconds(20)))
                .flatMap("split", Document.class, Chunk.class, new Split(10, 0))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble(),
                        Duration.ofSeconds(30))
                .build().stage("fetch", StageDefinition.Map.class).retry().maxAttempts()).isEqualTo(4);
    }

    @Test
    void shouldGrowTheBackoffUpToItsCapAndSpreadItByTheJitter() {
        RetryPolicy policy = RetryPolicy.attempts(5).backoff(Duration.ofMillis(100),
                Duration.ofMillis(300));
        assertThat(policy.delay(1, 0.5)).hasMillis(100);
        assertThat(policy.delay(2, 0.5)).hasMillis(200);
        assertThat(policy.delay(3, 0.5)).hasMillis(300);
        assertThat(policy.delay(4, 0.5)).hasMillis(300);
        assertThat(policy.delay(1, 0.0)).hasMillis(80);
        assertThat(policy.delay(1, 0.999)).hasMillis(120);
        assertThat(policy.longestWait()).hasMillis(120 + 240 + 360 + 360);
        assertThat(policy.retries(new IOException(), 4)).isTrue();
        assertThat(policy.retries(new IOException(), 5)).as("the fifth attempt was the last").isFalse();
        assertThat(policy.retries(new OutOfMemoryError(), 1)).as("an Error is never retried").isFalse();
    }

    @Test
    void shouldReadStreamedOutputsFromTheConfigurationAndRefuseThemWhereNoMapOrFlatMapRuns() {
        Pipeline pipeline = PipelineConfig.fromConfig("p", List.of(Map.of("name", "normalize", "stream-outputs", true)));
        assertThat(pipeline.stage("normalize", StageDefinition.Map.class).streamsOutputs()).isTrue();
        assertThat(PipelineDescription.text(pipeline)).contains("streams its outputs");
        assertThat(PipelineConfig.fromConfig("p", List.of(Map.of("name", "normalize", "stream-outputs", "false")))
                .stage("normalize", StageDefinition.Map.class).streamsOutputs()).isFalse();
        assertThatThrownBy(() -> PipelineConfig.fromConfig("p", List.of(Map.of("name", "normalize", "stream-outputs", "yes"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.normalize.stream-outputs")
                .hasMessageContaining("true or false");
        assertThatThrownBy(() -> Pipeline.builder("bad")
                .flatMap("split", Document.class, Chunk.class, new Split(10, 0))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .streamOutputs()
                .build())
                .isInstanceOf(InvalidPipelineException.class)
                .hasMessageContaining("gather 'assemble' cannot stream its outputs");
    }

    @Test
    void shouldReadATimeLimitFromTheConfigurationAndRefuseItWhereNoCodeOfTheStageRuns() {
        Pipeline pipeline = PipelineConfig.fromConfig("p", List.of(Map.of("name", "normalize", "time-limit", "2s")));
        assertThat(pipeline.stage("normalize", StageDefinition.Map.class).timeLimit()).isEqualTo(Duration.ofSeconds(2));
        assertThat(PipelineDescription.text(pipeline)).contains("time limit 2s");
        assertThatThrownBy(() -> PipelineConfig.fromConfig("p", List.of(Map.of("name", "normalize", "time-limit", "soon"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.normalize.time-limit");
        assertThatThrownBy(() -> Pipeline.builder("bad")
                .flatMap("split", Document.class, Chunk.class, new Split(10, 0))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .timeLimit(Duration.ofSeconds(1))
                .build())
                .isInstanceOf(InvalidPipelineException.class)
                .hasMessageContaining("gather 'assemble' cannot have a time limit");
    }
}
