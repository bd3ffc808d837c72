package dev.sluice.app.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.JobEventType;
import dev.sluice.topology.JobState;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RecentJobsTest {

    private Consumer<JobEvent> events;
    private boolean stopped;
    private final RecentJobs recent = new RecentJobs(listener -> {
        events = listener;
        return () -> stopped = true;
    });

    private void send(String jobId, JobEventType type, String stage) {
        events.accept(JobEvent.newBuilder().setJobId(jobId).setType(type).setAt(Instant.now()).setStage(stage).build());
    }

    private List<String> ids(int limit) {
        return recent.latest(limit).stream().map(JobState::jobId).toList();
    }

    @Test
    void shouldListJobsNewestFirstInTheirLatestState() {
        send("a", JobEventType.ACCEPTED, null);
        send("b", JobEventType.ACCEPTED, null);
        send("a", JobEventType.STAGE_STARTED, "split");
        send("b", JobEventType.COMPLETED, null);

        assertThat(ids(10)).containsExactly("b", "a");
        assertThat(recent.latest(10)).extracting(JobState::status).containsExactly("COMPLETED", "RUNNING");
        assertThat(recent.latest(10).get(1).stage()).isEqualTo("split");
        assertThat(ids(1)).containsExactly("b");
    }

    @Test
    void shouldPutAJobAcceptedAgainFirstAndListAJobFirstSeenMidWay() {
        send("a", JobEventType.ACCEPTED, null);
        send("b", JobEventType.ACCEPTED, null);
        send("a", JobEventType.ACCEPTED, null);
        send("c", JobEventType.STAGE_FINISHED, "embed"); // accepted before the gateway started

        assertThat(ids(10)).containsExactly("c", "a", "b");
        assertThat(recent.latest(10).get(0).status()).isEqualTo("RUNNING");
        assertThat(recent.latest(10).get(1).status()).isEqualTo("ACCEPTED");
    }

    @Test
    void shouldKeepOnlyTheLatestJobsAndStopFollowingOnClose() throws Exception {
        for (int i = 0; i < RecentJobs.KEPT + 5; i++) {
            send("job-" + i, JobEventType.ACCEPTED, null);
        }
        List<String> kept = ids(RecentJobs.KEPT + 5);
        assertThat(kept).hasSize(RecentJobs.KEPT).startsWith("job-" + (RecentJobs.KEPT + 4)).endsWith("job-5");

        recent.close();
        assertThat(stopped).isTrue();
    }
}
