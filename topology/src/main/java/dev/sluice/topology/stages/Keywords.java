package dev.sluice.topology.stages;

import dev.sluice.schemas.Chunk;
import dev.sluice.topology.pipeline.WordScanner;
import dev.sluice.topology.stage.Emitter;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stage.StageContext;
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
        out.emit(Chunks.with(input, input.getEmbedding(), keywords(input.getText())));
    }

    /** The keywords of {@code text}. */
    public List<String> keywords(String text) {
        Map<String, Tally> tallies = new HashMap<>();
        List<Tally> order = new ArrayList<>();
        WordScanner words = new WordScanner(text);
        while (words.next()) {
            char[] chars = words.chars();
            int length = words.length();
            if (Character.codePointCount(chars, 0, length) < 3 || isNumber(chars, length)) {
                continue;
            }
            String word = words.word();
            if (STOP_WORDS.contains(word)) {
                continue;
            }
            Tally tally = tallies.get(word);
            if (tally == null) {
                tally = new Tally(word);
                tallies.put(word, tally);
                order.add(tally);
            }
            tally.count++;
        }
        // a stable sort keeps first appearance among equal counts
        order.sort((a, b) -> Integer.compare(b.count, a.count));
        List<String> keywords = new ArrayList<>(Math.min(count, order.size()));
        for (int i = 0; i < Math.min(count, order.size()); i++) {
            keywords.add(order.get(i).word);
        }
        return List.copyOf(keywords);
    }

    private static boolean isNumber(char[] chars, int length) {
        for (int i = 0; i < length; i++) {
            if (!Character.isDigit(chars[i])) {
                return false;
            }
        }
        return true;
    }

    /** A word and how often it occurs. */
    private static final class Tally {
        final String word;
        int count;

        Tally(String word) {
            this.word = word;
        }
    }

    @Override
    public String toString() {
        return "Keywords[count=" + count + "]";
    }
}
