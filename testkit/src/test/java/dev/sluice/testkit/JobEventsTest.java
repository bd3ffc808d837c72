package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.JobEventType;
import dev.sluice.topology.Pipeline;
import dev.sluice.topology.Stage;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.BuiltinStages;
import dev.sluice.topology.stages.Split;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
    void shouldTellEachStageStartingAndFinishingTheJobInTheOrderTheJobWent() {
        try (PipelineTestDriver driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            String id = driver.submit("doc", TEXT);
            List<JobEvent> events = driver.events(id);
            List<String> steps = steps(events);

            assertThat(steps.get(0)).isEqualTo("ACCEPTED");
            assertThat(steps.get(steps.size() - 1)).isEqualTo("COMPLETED");
            assertThat(steps).filteredOn(s -> s.equals("COMPLETED") || s.equals("ACCEPTED")).hasSize(2);
            List<String> stages = List.of("normalize", "route", "split", "embed", "keywords", "merge", "assemble");
            for (String stage : stages) {
                assertThat(steps).as(stage).containsOnlyOnce("STAGE_STARTED " + stage, "STAGE_FINISHED " + stage);
                assertThat(steps.indexOf("STAGE_STARTED " + stage)).isLessThan(steps.indexOf("STAGE_FINISHED " + stage));
            }
            // each edge: the stage before starts and finishes the job first
            for (String[] edge : new String[][] {{"normalize", "route"}, {"route", "split"}, {"split", "embed"},
                    {"split", "keywords"}, {"embed", "merge"}, {"keywords", "merge"}, {"merge", "assemble"}}) {
                if (!edge[0].equals("keywords")) {
                    // a join starts with its first side's first part, which may come before the other side's
                    assertThat(steps.indexOf("STAGE_STARTED " + edge[0])).as("%s before %s", edge[0], edge[1])
                            .isLessThan(steps.indexOf("STAGE_STARTED " + edge[1]));
                }
                assertThat(steps.indexOf("STAGE_FINISHED " + edge[0])).as("%s before %s", edge[0], edge[1])
                        .isLessThan(steps.indexOf("STAGE_FINISHED " + edge[1]));
            }
            // a split passes the job on whole before its parts reach the next stage
            assertThat(steps.indexOf("STAGE_FINISHED split")).isLessThan(steps.indexOf("STAGE_STARTED embed"));

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
            assertThat(finished(events, "assemble")).satisfies(e -> {
                assertThat(e.getParts()).isEqualTo(chunks);
                assertThat(e.getOutputs()).isEqualTo(1);
            });
            assertThat(finished(events, "route").getNote()).isEqualTo("otherwise: split");
            assertThat(events).extracting(JobEvent::getAt).isSorted();
        }
    }

    private static JobEvent finished(List<JobEvent> events, String stage) {
        return events.stream().filter(e -> e.getType() == JobEventType.STAGE_FINISHED && stage.equals(e.getStage()))
                .findFirst().orElseThrow();
    }

    @Test
    void shouldFollowAJobIntoItsLaneAndAcceptItOnlyOnce() {
        try (PipelineTestDriver driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
            String id = driver.submit("long", "Long documents take the bulk lane through their own topic. ".repeat(80));
            List<String> steps = steps(driver.events(id));
            assertThat(driver.laneRecords("bulk")).containsExactly(id);
            assertThat(steps).containsOnlyOnce("ACCEPTED", "COMPLETED");
            assertThat(steps).startsWith("ACCEPTED").endsWith("COMPLETED")
                    .contains("STAGE_FINISHED route", "STAGE_FINISHED split", "STAGE_FINISHED assemble");
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
        try (PipelineTestDriver driver = PipelineTestDriver.of(pipeline)) {
            String bad = driver.submit("bad", "the first chunk is fine, the poison is here, and more comes after it");
            List<JobEvent> events = driver.events(bad);
            JobEvent last = events.get(events.size() - 1);
            assertThat(last.getType()).isEqualTo(JobEventType.FAILED);
            assertThat(last.getStage()).isEqualTo("picky");
            assertThat(last.getError().getMessage()).startsWith("poisoned chunk");
            assertThat(steps(events)).containsOnlyOnce("FAILED").startsWith("ACCEPTED", "STAGE_STARTED split");
        }
    }

    @Test
    void shouldEndARecordThatIsNoJobWithAFailedEventAndNoAcceptedOne() {
        try (PipelineTestDriver driver = PipelineTestDriver.of(BuiltinStages.ingest())) {
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
        try (PipelineTestDriver driver = PipelineTestDriver.of(pipeline)) {
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
        try (PipelineTestDriver driver = PipelineTestDriver.of(Pipeline.passThrough())) {
            String id = driver.submit("doc", "carried straight through");
            assertThat(steps(driver.events(id))).containsExactly("ACCEPTED", "COMPLETED");
        }
    }
}
