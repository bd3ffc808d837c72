package dev.sluice.topology.internal;

import dev.sluice.schemas.StageTrace;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Folding the traces of many parts into one: per stage, the earliest start and the total time. */
final class Traces {

    private Traces() {
    }

    static List<StageTrace> merge(List<List<StageTrace>> traces) {
        Map<String, long[]> byStage = new LinkedHashMap<>();
        for (List<StageTrace> trace : traces) {
            for (StageTrace entry : trace) {
                long started = entry.getStartedAt().toEpochMilli();
                long[] acc = byStage.get(entry.getStage());
                if (acc == null) {
                    byStage.put(entry.getStage(), new long[] {started, entry.getDurationMicros()});
                } else {
                    acc[0] = Math.min(acc[0], started);
                    acc[1] += entry.getDurationMicros();
                }
            }
        }
        List<StageTrace> merged = new ArrayList<>(byStage.size());
        byStage.forEach((stage, acc) -> merged.add(StageTrace.newBuilder().setStage(stage)
                .setStartedAt(Instant.ofEpochMilli(acc[0])).setDurationMicros(acc[1]).build()));
        return merged;
    }

    static List<StageTrace> fold(List<StageTrace> trace) {
        return merge(List.of(trace));
    }
}
