package dev.sluice.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobResult;
import dev.sluice.topology.stages.BuiltinStages;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class PipelineTest {

    @Test
    void shouldBuildTheBuiltinIngestPipeline() {
        Pipeline ingest = BuiltinStages.ingest();
        assertThat(ingest.stages()).extracting(Pipeline.StageDefinition::name)
                .containsExactly("normalize", "route", "split", "enrich", "embed", "keywords", "merge", "assemble");
        assertThat(ingest.inputType()).isEqualTo(Document.class);
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
        assertThatThrownBy(() -> Pipeline.builder("chunky")
                .stage("to-chunk", Document.class, Chunk.class, Stage.map(d -> new Chunk()))
                .build())
                .hasMessageContaining("edge to-chunk -> results").hasMessageContaining("a result carries one of");
    }

    @Test
    void shouldRejectAStageThatCannotTakeTheDocument() {
        assertThatThrownBy(() -> Pipeline.builder("wrong-start")
                .stage("first", JobResult.class, Document.class, Stage.map(r -> new Document()))
                .build())
                .hasMessageContaining("first stage 'first' takes JobResult");
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
}
