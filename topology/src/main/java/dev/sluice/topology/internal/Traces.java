package dev.sluice.topology.internal;

import dev.sluice.schemas.StageTrace;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folding the traces of many parts into one: per stage, the earliest start, the total time, and the
 * first note with how many parts left one. Entries that several parts share (equal in every field:
 * those of the stages before a fan-out) count once.
 */
final class Traces {

    private Traces() {
    }

    static List<StageTrace> merge(List<List<StageTrace>> traces) {
        Map<String, long[]> byStage = new LinkedHashMap<>();
        Map<String, String> notes = new LinkedHashMap<>();
        // the parts of a fan-out share the entries of the stages before it: count those once
        Set<StageTrace> seen = new HashSet<>();
        for (List<StageTrace> trace : traces) {
            for (StageTrace entry : trace) {
                if (!seen.add(entry)) {
                    continue;
                }
                long started = entry.getStartedAt().toEpochMilli();
                long[] acc = byStage.get(entry.getStage());
                if (acc == null) {
                    acc = new long[] {started, 0, 0};
                    byStage.put(entry.getStage(), acc);
                }
                acc[0] = Math.min(acc[0], started);
                acc[1] += entry.getDurationMicros();
                if (entry.getNote() != null) {
                    acc[2]++;
                    notes.putIfAbsent(entry.getStage(), entry.getNote());
                }
            }
        }
        List<StageTrace> merged = new ArrayList<>(byStage.size());
        byStage.forEach((stage, acc) -> {
            String note = notes.get(stage);
            if (note != null && acc[2] > 1 && !note.endsWith(" times)")) {
                note = note + " (" + acc[2] + " times)";
            }
            merged.add(StageTrace.newBuilder().setStage(stage).setStartedAt(Instant.ofEpochMilli(acc[0]))
                    .setDurationMicros(acc[1]).setNote(note).build());
        });
        return merged;
    }

    static List<StageTrace> fold(List<StageTrace> trace) {
        return merge(List.of(trace));
    }
}
