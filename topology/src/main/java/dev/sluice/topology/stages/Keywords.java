package dev.sluice.topology.stages;

import dev.sluice.schemas.Chunk;
import dev.sluice.topology.Emitter;
import dev.sluice.topology.Stage;
import dev.sluice.topology.StageContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Picks a chunk's keywords by term frequency: words of at least three characters that are not
 * stop words (English, French, German function words) or numbers, most frequent first, ties in
 * order of first appearance; at most {@code count} of them. Deterministic.
 */
public final class Keywords implements Stage<Chunk, Chunk> {

    static final Set<String> STOP_WORDS = Set.of(
            "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was", "one", "our",
            "out", "has", "his", "how", "its", "may", "new", "now", "old", "see", "two", "who", "did", "get", "let",
            "put", "say", "she", "too", "use", "that", "with", "have", "this", "will", "your", "from", "they", "been",
            "were", "what", "when", "where", "which", "while", "would", "there", "their", "them", "then", "than",
            "these", "those", "into", "only", "also", "each", "other", "some", "such", "more", "most", "very", "just",
            "over", "under", "about", "after", "before", "again", "because", "being", "both", "could", "does",
            "doing", "down", "during", "few", "further", "here", "himself", "itself", "myself", "once", "same",
            "should", "through", "until", "why", "yours", "off", "own", "shall", "must", "might", "upon", "every",
            "per", "via", "les", "des", "une", "est", "dans", "pour", "que", "qui", "sur", "pas", "par", "avec",
            "son", "ses", "aux", "ont", "der", "die", "das", "und", "den", "dem", "ein", "eine", "ist", "nicht",
            "mit", "auf", "für", "von", "sich");

    private final int count;

    public Keywords(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("keyword count must be at least 1, was " + count);
        }
        this.count = count;
    }

    @Override
    public void process(Chunk input, StageContext context, Emitter<Chunk> out) {
        out.emit(Chunk.newBuilder(input).setKeywords(keywords(input.getText())).build());
    }

    /** The keywords of {@code text}. */
    public List<String> keywords(String text) {
        Map<String, int[]> counts = new HashMap<>();
        List<String> order = new ArrayList<>();
        for (String word : Words.of(text)) {
            if (word.codePointCount(0, word.length()) < 3 || STOP_WORDS.contains(word) || isNumber(word)) {
                continue;
            }
            int[] c = counts.get(word);
            if (c == null) {
                counts.put(word, new int[] {1});
                order.add(word);
            } else {
                c[0]++;
            }
        }
        List<String> ranked = new ArrayList<>(order);
        // a stable sort keeps first appearance among equal counts
        ranked.sort((a, b) -> Integer.compare(counts.get(b)[0], counts.get(a)[0]));
        return List.copyOf(ranked.subList(0, Math.min(count, ranked.size())));
    }

    private static boolean isNumber(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (!Character.isDigit(word.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "Keywords[count=" + count + "]";
    }
}
