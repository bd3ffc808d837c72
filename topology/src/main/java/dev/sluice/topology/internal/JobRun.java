package dev.sluice.topology.internal;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.StageError;
import dev.sluice.schemas.StageTrace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One job's way through the stages of a sub-topology: its trace, its outputs, its open gathers and
 * its failure, if any. Lives only while the job's source record is processed; every envelope of the
 * job points to it, so a stage that fails stops the job at every other stage too.
 */
final class JobRun {

    final Job job;
    final byte[] rawKey;
    final byte[] rawValue;
    final ErrorHeaders.SourcePosition position;

    private final Map<String, long[]> trace = new LinkedHashMap<>();
    private final List<Object> outputs = new ArrayList<>(1);
    private final Map<GroupKey, List<Object>> groups = new LinkedHashMap<>();
    private StageError failure;

    JobRun(Job job, byte[] rawKey, byte[] rawValue, ErrorHeaders.SourcePosition position) {
        this.job = job;
        this.rawKey = rawKey;
        this.rawValue = rawValue;
        this.position = position;
    }

    String jobId() {
        return job.getJobId();
    }

    boolean failed() {
        return failure != null;
    }

    StageError failure() {
        return failure;
    }

    void fail(String stage, Throwable error) {
        fail(stage, error.getClass().getName(), messageOf(error));
    }

    void fail(String stage, String errorClass, String message) {
        if (failure == null) {
            failure = StageError.newBuilder().setStage(stage).setErrorClass(errorClass).setMessage(message)
                    .setAttempts(1).build();
            groups.clear();
        }
    }

    /** Adds a stage's working time to the trace; the first call per stage sets when it started. */
    void record(String stage, long startedAtMillis, long nanos) {
        long[] entry = trace.get(stage);
        if (entry == null) {
            trace.put(stage, new long[] {startedAtMillis, nanos});
        } else {
            entry[1] += nanos;
        }
    }

    void addOutput(Object output) {
        outputs.add(output);
    }

    List<Object> outputs() {
        return outputs;
    }

    void addPart(String gather, Lineage group, Object part) {
        groups.computeIfAbsent(new GroupKey(gather, group), k -> new ArrayList<>()).add(part);
    }

    /** Removes and returns the open groups of one gather stage, in the order they were opened. */
    List<Map.Entry<Lineage, List<Object>>> takeGroups(String gather) {
        List<Map.Entry<Lineage, List<Object>>> taken = new ArrayList<>();
        var it = groups.entrySet().iterator();
        while (it.hasNext()) {
            var entry = it.next();
            if (entry.getKey().gather().equals(gather)) {
                taken.add(Map.entry(entry.getKey().group(), entry.getValue()));
                it.remove();
            }
        }
        return taken;
    }

    List<StageTrace> trace() {
        List<StageTrace> result = new ArrayList<>(trace.size());
        trace.forEach((stage, entry) -> result.add(StageTrace.newBuilder().setStage(stage)
                .setStartedAt(java.time.Instant.ofEpochMilli(entry[0])).setDurationMicros(entry[1] / 1_000).build()));
        return result;
    }

    JobResult.Builder result(JobStatus status, long nowMillis) {
        return JobResult.newBuilder()
                .setJobId(job.getJobId())
                .setStatus(status)
                .setCompletedAt(java.time.Instant.ofEpochMilli(nowMillis))
                .setAttributes(job.getAttributes())
                .setTrace(trace());
    }

    static String messageOf(Throwable error) {
        String message = error.getMessage();
        return message == null || message.isBlank() ? error.getClass().getSimpleName() : message;
    }

    private record GroupKey(String gather, Lineage group) {
    }
}
