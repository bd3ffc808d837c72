package dev.sluice.topology.stages;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class EmbedTest {

    private static final int PINNED_KAFKA_HASH = 801_292_940;

    private final Embed embed = new Embed(64);

    private static double cosine(List<Float> a, List<Float> b) {
        double dot = 0;
        for (int i = 0; i < a.size(); i++) {
            dot += a.get(i) * b.get(i);
        }
        return dot;
    }

    @Test
    void shouldBeRepeatableAndNormalized() {
        List<Float> a = embed.embed("Kafka Streams carries every job");
        assertThat(new Embed(64).embed("Kafka Streams carries every job")).isEqualTo(a);
        assertThat(a).hasSize(64);
        assertThat(cosine(a, a)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    }

    @Test
    void shouldIgnoreCaseAndPunctuation() {
        assertThat(embed.embed("Hello, World!")).isEqualTo(embed.embed("hello world"));
    }

    @Test
    void shouldPlaceSimilarTextsCloserThanUnrelatedOnes() {
        List<Float> a = embed.embed("the river flooded the valley after the storm");
        List<Float> b = embed.embed("after the storm the river flooded the town");
        List<Float> c = embed.embed("quarterly revenue grew by eight percent");
        assertThat(cosine(a, b)).isGreaterThan(cosine(a, c) + 0.2);
    }

    @Test
    void shouldGiveTheZeroVectorToTextWithoutWords() {
        assertThat(embed.embed(" ... !!! ")).hasSize(64).containsOnly(0f);
    }

    @Test
    void shouldKnowTheFixedHashOfAWord() {
        // pins the hash function: embeddings must not change between releases without notice
        assertThat(Murmur3.hash("kafka", 0)).isEqualTo(PINNED_KAFKA_HASH);
        assertThat(Murmur3.hash("", 0)).isZero();
        assertThat(Words.of("Ünïcode wörds, 42 times")).containsExactly("ünïcode", "wörds", "42", "times");
    }
}
