package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobStatus;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.Split;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** Each stage counts what went in and out, what failed, was retried or filtered, and times its calls. */
class StageMetricsTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private double records(String stage, String outcome) {
        var counter = meters.find("sluice.stage.records").tag("stage", stage).tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void shouldCountEachStagesRecordsByOutcomeAndTimeItsCalls() {
        Stage<Chunk, Chunk> picky = (chunk, context, out) -> {
            if (chunk.getText().contains("poison")) {
                throw new IllegalStateException("poisoned chunk");
            }
            if (!chunk.getText().contains("skip")) {
                out.emit(chunk);
            }
        };
        Pipeline pipeline = Pipeline.builder("counted")
                .flatMap("split", Document.class, Chunk.class, new Split(20, 0))
                .stage("picky", Chunk.class, Chunk.class, picky)
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build();
        try (var driver = PipelineTestDriver.builder(pipeline).meters(meters).build()) {
            // three chunks of at most 20 characters: "aaaa bbbb cccc dddd", "skip this chunk now", "all good here too"
            String fine = driver.submit("fine", "aaaa bbbb cccc dddd skip this chunk now all good here too");
            assertThat(driver.result(fine).getStatus()).isEqualTo(JobStatus.COMPLETED);
            String bad = driver.submit("bad", "poison in this one");
            assertThat(driver.result(bad).getStatus()).isEqualTo(JobStatus.FAILED);

            int chunks = driver.result(fine).getTrace().isEmpty() ? 0 : (int) records("split", "out") - 1;
            assertThat(records("split", "in")).isEqualTo(2);
            assertThat(records("split", "out")).isEqualTo(chunks + 1);
            assertThat(records("picky", "in")).isEqualTo(chunks + 1);
            assertThat(records("picky", "filtered")).isEqualTo(1);
            assertThat(records("picky", "failed")).isEqualTo(1);
            assertThat(records("picky", "out")).isEqualTo(chunks - 1);
            assertThat(records("assemble", "out")).isEqualTo(1);
            assertThat(meters.find("sluice.gather.groups").tag("stage", "assemble").tag("outcome", "complete").counter()
                    .count()).isEqualTo(1);
            assertThat(meters.find("sluice.stage.processing").tag("stage", "picky").timer().count())
                    .isEqualTo((long) (chunks + 1));
        }
    }
}
