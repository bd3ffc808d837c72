package dev.sluice.topology.stages;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.topology.pipeline.Words;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
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

    /** The plain definition: every word and every pair of adjacent words, each hashed under both seeds. */
    private static List<Float> reference(String text, int dimension) {
        double[] counts = new double[dimension];
        List<String> words = Words.of(text);
        for (int i = 0; i < words.size(); i++) {
            List<String> features = i == 0 ? List.of(words.get(i)) : List.of(words.get(i), words.get(i - 1) + " " + words.get(i));
            for (String feature : features) {
                int bucket = Math.floorMod(Murmur3.hash(feature, 0x5eed_0001), dimension);
                counts[bucket] += (Murmur3.hash(feature, 0x5eed_0002) & 1) == 0 ? 1 : -1;
            }
        }
        double norm = 0;
        for (int i = 0; i < dimension; i++) {
            double c = counts[i];
            counts[i] = c == 0 ? 0 : Math.signum(c) * (1 + Math.log(Math.abs(c)));
            norm += counts[i] * counts[i];
        }
        List<Float> vector = new ArrayList<>();
        for (double c : counts) {
            vector.add(norm == 0 ? 0f : (float) (c / Math.sqrt(norm)));
        }
        return vector;
    }

    @Test
    void shouldAgreeWithThePlainDefinitionOnTheSampleDocuments() throws IOException {
        List<String> texts = new ArrayList<>(WordsTest.samples());
        // one word repeated past the table of damped counts, and words longer than the pair buffer
        texts.add("echo ".repeat(1500));
        texts.add("a".repeat(100) + " " + "b".repeat(300) + " c " + "d".repeat(40));
        for (int dimension : new int[] {1, 64, 256, 1000}) {
            Embed embedder = new Embed(dimension);
            for (String text : texts) {
                assertThat(embedder.embed(text)).as("dimension %d, %s", dimension,
                        text.substring(0, Math.min(40, text.length()))).isEqualTo(reference(text, dimension));
            }
        }
    }

    @Test
    void shouldBeRepeatableAndNormalized() {
        List<Float> a = embed.embed("Kafka Streams carries every job");
        assertThat(new Embed(64).embed("Kafka Streams carries every job")).isEqualTo(a);
        assertThat(a).hasSize(64);
        assertThat(cosine(a, a)).isCloseTo(1.0, Offset.offset(1e-5));
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
