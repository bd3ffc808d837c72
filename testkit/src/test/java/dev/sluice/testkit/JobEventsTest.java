package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.JobEventType;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.stage.BatchStage;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.BuiltinStages;
import dev.sluice.topology.stages.Split;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** What {@code <prefix>.events} tells about each job: accepted, each stage started and finished, its end, in that order. */
class JobEventsTest {

    private static final String TEXT = "Kafka Streams carries each job through named stages. ".repeat(40);

    /** "type" or "type stage", one per event. */
    private static List<String> steps(List<JobEvent> events) {
        List<String> steps = new ArrayList<>();
        for (JobEvent e : events) {
            steps.add(e.getStage() == null || !e.getType().name().startsWith("STAGE") ? e.getType().name()
                    : e.getType() + " " + e.getStage());
        }
        return steps;
    }

    @Test
    void shouldTellEachStageFinishingTheJobInTheOrderTheJobWent() {
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            String id = driver.submit("doc", TEXT);
            List<JobEvent> events = driver.events(id);
            List<String> steps = steps(events);

            // every stage started and finished the job within one input record: a finish says both
            assertThat(steps).containsExactly("ACCEPTED", "STAGE_FINISHED normalize", "STAGE_FINISHED route",
                    "STAGE_FINISHED split", "STAGE_FINISHED embed", "STAGE_FINISHED keywords", "STAGE_FINISHED merge",
                    "STAGE_FINISHED assemble", "COMPLETED");

            int chunks = ((IngestedDocument) driver.result(id).getOutput()).getChunks().size();
            assertThat(chunks).isGreaterThan(2);
            assertThat(finished(events, "split")).satisfies(e -> {
                assertThat(e.getParts()).isEqualTo(1);
                assertThat(e.getOutputs()).isEqualTo(chunks);
                assertThat(e.getDurationMicros()).isNotNegative();
            });
            assertThat(finished(events, "embed")).satisfies(e -> {
                assertThat(e.getParts()).isEqualTo(chunks);
                assertThat(e.getOutputs()).isEqualTo(chunks);
            });
            assertThat(finished(events, "merge").getParts()).isEqualTo(chunks);
            assertThat(finished(events, "assemble")).satisfies(e -> {
                assertThat(e.getParts()).isEqualTo(chunks);
                assertThat(e.getOutputs()).isEqualTo(1);
            });
            assertThat(finished(events, "route").getNote()).isEqualTo("otherwise: split");
            assertThat(events).extracting(JobEvent::getAt).isSorted();
        }
    }

    @Test
    void shouldTellAStageStartingAJobWhenItsPartsWaitPastTheInputRecord() {
        BatchStage<Chunk, Chunk> upper = inputs -> inputs.stream()
                .map(c -> Chunk.newBuilder(c).setText(c.getText().toUpperCase(Locale.ROOT)).build()).toList();
        Pipeline pipeline = Pipeline.builder("batched")
                .flatMap("split", Document.class, Chunk.class, new Split(6, 0))
                .batch("upper", Chunk.class, Chunk.class, upper, 100, Duration.ofMillis(500))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String id = driver.submit("doc", "aaaa bbbb cccc");
            // the parts wait in the batch: the job has started there, and is running
            assertThat(steps(driver.events(id))).containsExactly("ACCEPTED", "STAGE_FINISHED split",
                    "STAGE_STARTED upper");
            driver.advanceWallClock(Duration.ofSeconds(1));
            assertThat(steps(driver.events(id))).containsExactly("ACCEPTED", "STAGE_FINISHED split",
                    "STAGE_STARTED upper", "STAGE_FINISHED upper", "STAGE_FINISHED assemble", "COMPLETED");
            assertThat(finished(driver.events(id), "upper")).satisfies(e -> {
                assertThat(e.getParts()).isEqualTo(3);
                assertThat(e.getOutputs()).isEqualTo(3);
            });
        }
    }

    @Test
    void shouldSendEachOutputOfAStageThatStreamsItsOutputsBeforeTheStageFinishesTheJob() {
        Pipeline pipeline = Pipeline.builder("streamed")
                .flatMap("split", Document.class, Chunk.class, new Split(6, 0)).streamOutputs()
                .stage("upper", Chunk.class, Chunk.class, Stage.map((Chunk c) -> Chunk.newBuilder(c)
                        .setText(c.getText().toUpperCase(Locale.ROOT)).build())).streamOutputs()
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String id = driver.submit("doc", "aaaa bbbb cccc");
            List<JobEvent> events = driver.events(id);
            // upper finishes the job once it has handled all three parts
            assertThat(steps(events)).containsExactly("ACCEPTED", "OUTPUT", "OUTPUT", "OUTPUT", "STAGE_FINISHED split",
                    "OUTPUT", "OUTPUT", "OUTPUT", "STAGE_FINISHED upper", "STAGE_FINISHED assemble", "COMPLETED");
            List<JobEvent> outputs = events.stream().filter(e -> e.getType() == JobEventType.OUTPUT).toList();
            assertThat(outputs).extracting(JobEvent::getStage).containsExactly("split", "split", "split", "upper",
                    "upper", "upper");
            assertThat(outputs).extracting(JobEvent::getPart).containsExactly("0/3", "1/3", "2/3", "0/3", "1/3", "2/3");
            // an Avro record's JSON form
            assertThat(outputs.get(1).getOutput()).startsWith("{").contains("\"text\": \"bbbb");
            assertThat(outputs.get(4).getOutput()).contains("\"text\": \"BBBB");
            assertThat(driver.result(id).getStatus()).hasToString("COMPLETED");
        }
    }

    @Test
    void shouldCutAStreamedOutputAtItsLimitAndSayHowLongItWas() {
        Pipeline pipeline = Pipeline.builder("streamed")
                .stage("echo", Document.class, String.class, Stage.map((Document d) -> d.getText().toString()))
                .streamOutputs()
                .stage("back", String.class, Document.class, Stage.map((String text) -> Document.newBuilder()
                        .setId("back").setText(text).build()))
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String text = "x".repeat(70_000);
            String id = driver.submit("doc", text);
            JobEvent output = driver.events(id).stream().filter(e -> e.getType() == JobEventType.OUTPUT).findFirst()
                    .orElseThrow();
            assertThat(output.getPart()).isNull();
            assertThat(output.getOutput()).hasSize(65_536 + "... (cut: 70000 characters in all)".length())
                    .startsWith("xxxx").endsWith("... (cut: 70000 characters in all)");
        }
    }

    private static JobEvent finished(List<JobEvent> events, String stage) {
        return events.stream().filter(e -> e.getType() == JobEventType.STAGE_FINISHED && stage.equals(e.getStage()))
                .findFirst().orElseThrow();
    }

    @Test
    void shouldFollowAJobIntoItsLaneAndAcceptItOnlyOnce() {
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            String id = driver.submit("long", "Long documents take the bulk lane through their own topic. ".repeat(80));
            List<String> steps = steps(driver.events(id));
            assertThat(driver.laneRecords("bulk")).containsExactly(id);
            assertThat(steps).containsOnlyOnce("ACCEPTED", "COMPLETED");
            assertThat(steps).startsWith("ACCEPTED", "STAGE_FINISHED normalize", "STAGE_FINISHED route")
                    .endsWith("STAGE_FINISHED merge", "STAGE_FINISHED assemble", "COMPLETED")
                    .contains("STAGE_FINISHED split", "STAGE_FINISHED embed");
            assertThat(finished(driver.events(id), "route").getNote()).isEqualTo("lane bulk");
        }
    }

    @Test
    void shouldEndAFailedJobWithTheStageAndSayNothingOfItAfterwards() {
        Stage<Chunk, Chunk> picky = (chunk, context, out) -> {
            if (chunk.getText().contains("poison")) {
                throw new IllegalStateException("poisoned chunk " + chunk.getIndex());
            }
            out.emit(chunk);
        };
        Pipeline pipeline = Pipeline.builder("picky")
                .flatMap("split", Document.class, Chunk.class, new Split(20, 0))
                .stage("picky", Chunk.class, Chunk.class, picky)
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String bad = driver.submit("bad", "the first chunk is fine, the poison is here, and more comes after it");
            List<JobEvent> events = driver.events(bad);
            JobEvent last = events.get(events.size() - 1);
            assertThat(last.getType()).isEqualTo(JobEventType.FAILED);
            assertThat(last.getStage()).isEqualTo("picky");
            assertThat(last.getError().getMessage()).startsWith("poisoned chunk");
            // the failed part ended the job at the gather: no stage after it finished, nothing after the end
            assertThat(steps(events)).containsExactly("ACCEPTED", "STAGE_FINISHED split", "STAGE_STARTED picky",
                    "STAGE_STARTED assemble", "FAILED");
        }
    }

    @Test
    void shouldEndARecordThatIsNoJobWithAFailedEventAndNoAcceptedOne() {
        try (var driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            driver.submitRaw("junk-1", "not avro".getBytes(StandardCharsets.UTF_8));
            assertThat(driver.events("junk-1")).singleElement().satisfies(e -> {
                assertThat(e.getType()).isEqualTo(JobEventType.FAILED);
                assertThat(e.getStage()).isEqualTo("intake");
            });
        }
    }

    @Test
    void shouldFinishAStageThatDroppedEveryPartWithNoOutputs() {
        Pipeline pipeline = Pipeline.builder("filtered")
                .flatMap("split", Document.class, Chunk.class, new Split(6, 0))
                .stage("long-only", Chunk.class, Chunk.class, Stage.filter(c -> c.getText().length() > 100, "short"))
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble())
                .build();
        try (var driver = PipelineTestDriver.of(pipeline)) {
            String id = driver.submit("doc", "aaaa bbbb cccc");
            assertThat(finished(driver.events(id), "long-only")).satisfies(e -> {
                assertThat(e.getParts()).isEqualTo(3);
                assertThat(e.getOutputs()).isZero();
            });
            assertThat(steps(driver.events(id))).endsWith("STAGE_FINISHED assemble", "COMPLETED");
        }
    }

    @Test
    void shouldAcceptAndCompleteAJobInPassThroughMode() {
        try (var driver = PipelineTestDriver.of(Pipeline.passThrough())) {
            String id = driver.submit("doc", "carried straight through");
            assertThat(steps(driver.events(id))).containsExactly("ACCEPTED", "COMPLETED");
        }
    }
}
