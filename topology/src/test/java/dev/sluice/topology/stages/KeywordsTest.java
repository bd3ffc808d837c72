package dev.sluice.topology.stages;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.topology.pipeline.Words;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeywordsTest {

    /** The plain definition: count the eligible words, then a stable sort by count, most frequent first. */
    private static List<String> reference(String text, int count) {
        Map<String, Integer> counts = new HashMap<>();
        List<String> order = new ArrayList<>();
        for (String word : Words.of(text)) {
            if (word.codePointCount(0, word.length()) < 3 || Keywords.STOP_WORDS.contains(word)
                    || word.chars().allMatch(Character::isDigit)) {
                continue;
            }
            if (counts.merge(word, 1, Integer::sum) == 1) {
                order.add(word);
            }
        }
        order.sort((a, b) -> Integer.compare(counts.get(b), counts.get(a)));
        return order.subList(0, Math.min(count, order.size()));
    }

    @Test
    void shouldPickTheMostFrequentWordsInOrderOfFirstAppearance() {
        assertThat(new Keywords(3).keywords("Kafka topics, the topics of Kafka: 42 partitions and 2024 topics"))
                .containsExactly("topics", "kafka", "partitions");
        assertThat(new Keywords(8).keywords("a an of 12 345 the und für")).isEmpty();
    }

    @Test
    void shouldAgreeWithThePlainDefinitionOnTheSampleDocuments() throws IOException {
        for (int count : new int[] {1, 8, 50}) {
            Keywords keywords = new Keywords(count);
            for (String text : WordsTest.samples()) {
                assertThat(keywords.keywords(text)).as("count %d, %s", count, text.substring(0, Math.min(40,
                        text.length()))).isEqualTo(reference(text, count));
            }
        }
    }
}
