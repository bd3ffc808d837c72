package dev.sluice.app;

import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a run's results say against the jobs submitted: the ids with no result, the ids with more
 * than one (and how many), and results for ids never submitted. A clean run has none of the three.
 */
public record ResultCheck(SortedSet<String> missing, SortedMap<String, Integer> duplicated, SortedSet<String> unexpected) {

    /** Compares {@code resultsPerId} (a job id and how many results it got) with the {@code submitted} ids. */
    public static ResultCheck of(Set<String> submitted, Map<String, Integer> resultsPerId) {
        SortedSet<String> missing = new TreeSet<>(submitted);
        missing.removeAll(resultsPerId.keySet());
        SortedMap<String, Integer> duplicated = new TreeMap<>();
        SortedSet<String> unexpected = new TreeSet<>();
        resultsPerId.forEach((id, count) -> {
            if (!submitted.contains(id)) {
                unexpected.add(id);
            } else if (count > 1) {
                duplicated.put(id, count);
            }
        });
        return new ResultCheck(missing, duplicated, unexpected);
    }

    public boolean isClean() {
        return missing.isEmpty() && duplicated.isEmpty() && unexpected.isEmpty();
    }

    @Override
    public String toString() {
        return missing.size() + " missing " + first(missing) + ", " + duplicated.size() + " with more than one result "
                + first(duplicated.keySet()) + ", " + unexpected.size() + " unexpected " + first(unexpected);
    }

    private static String first(Set<String> ids) {
        return ids.stream().limit(5).toList().toString();
    }
}
