package dev.sluice.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.JobEventType;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.junit.jupiter.api.Test;

class StageProgressTest {

    /** A stage that sees one part of two (a branch sent the other elsewhere) never finishes the job. */
    private static void halfOf(StageProgress progress, String jobId) {
        progress.took(jobId, 1);
        progress.passed(jobId, Lineage.ROOT.child(0, 2), 1, 1_000, null, 2);
    }

    @Test
    void shouldForgetAJobThatEndedWithoutTheStageFinishingIt() {
        EventBuffer events = new EventBuffer(true);
        StageProgress progress = new StageProgress("keywords", events);
        for (int i = 0; i < 100; i++) {
            halfOf(progress, "job-" + i);
        }
        assertThat(progress.openJobs()).isEqualTo(100);
        for (int i = 0; i < 100; i++) {
            events.add(EventBuffer.of("job-" + i, JobEventType.COMPLETED, 3));
        }
        assertThat(progress.openJobs()).as("a job's end frees what its stages kept of it").isZero();
        // a late part of an ended job (a gather gave up on it) is not taken up again
        halfOf(progress, "job-7");
        assertThat(progress.openJobs()).isZero();
    }

    @Test
    void shouldStillStartAndFinishAWholeJob() {
        EventBuffer events = new EventBuffer(true);
        StageProgress progress = new StageProgress("embed", events);
        progress.took("a", 1);
        progress.passed("a", Lineage.ROOT.child(0, 2), 1, 1_000, null, 2);
        progress.took("a", 3);
        progress.passed("a", Lineage.ROOT.child(1, 2), 2, 1_000, null, 4);
        assertThat(progress.openJobs()).isZero();
        List<JobEvent> sent = sent(events);
        assertThat(sent).extracting(JobEvent::getType).containsExactly(JobEventType.STAGE_FINISHED);
        assertThat(sent.get(0).getOutputs()).isEqualTo(3);
    }

    @Test
    void shouldKeepNothingWithoutEvents() {
        EventBuffer events = new EventBuffer(false);
        StageProgress progress = new StageProgress("embed", events);
        halfOf(progress, "a");
        assertThat(progress.openJobs()).isZero();
    }

    private static List<JobEvent> sent(EventBuffer events) {
        MockProcessorContext<String, Flow.Event> context = new MockProcessorContext<>();
        events.sendFrom(context);
        List<JobEvent> all = new ArrayList<>();
        context.forwarded().forEach(r -> all.addAll(r.record().value().events().getEvents()));
        return all;
    }
}
