package dev.sluice.app.gateway;

import dev.sluice.client.JobClient;
import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.JobEventType;
import dev.sluice.topology.JobState;
import dev.sluice.topology.JobStatuses;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code GET /v1/jobs}: the latest jobs this gateway has seen on the events topic since it started,
 * newest first, each in its latest state (folded as the status store folds it). Every gateway reads
 * every job's events, so each shows the same jobs, whichever instance keeps their status. It keeps
 * the last {@link #KEPT} jobs accepted (or first seen), and no trace of what came before its start.
 */
final class RecentJobs implements AutoCloseable {

    /** How many jobs it keeps. */
    static final int KEPT = 200;

    private final Map<String, JobState> jobs = new LinkedHashMap<>(KEPT * 2, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, JobState> eldest) {
            return size() > KEPT;
        }
    };
    private final AutoCloseable following;

    /** Follows every job's events through {@code follow}: {@code client::events} of a {@link JobClient}. */
    RecentJobs(Function<Consumer<JobEvent>, AutoCloseable> follow) {
        this.following = follow.apply(this::add);
    }

    private synchronized void add(JobEvent event) {
        JobState before = event.getType() == JobEventType.ACCEPTED ? jobs.remove(event.getJobId())
                : jobs.get(event.getJobId());
        JobState after = JobStatuses.fold(before, event);
        if (after != null) {
            jobs.put(event.getJobId(), after);
        }
    }

    /** The latest {@code limit} jobs, newest first. */
    synchronized List<JobState> latest(int limit) {
        List<JobState> all = new ArrayList<>(jobs.values());
        List<JobState> newest = new ArrayList<>(Math.min(limit, all.size()));
        for (int i = all.size() - 1; i >= 0 && newest.size() < limit; i--) {
            newest.add(all.get(i));
        }
        return newest;
    }

    @Override
    public void close() throws Exception {
        following.close();
    }
}
