package dev.sluice.topology.stages;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.topology.pipeline.Words;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class WordsTest {

    /** The plain definition: runs of letters and digits, each code point lower-cased on its own. */
    private static List<String> reference(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLetterOrDigit(cp)) {
                word.appendCodePoint(Character.toLowerCase(cp));
            } else if (word.length() > 0) {
                words.add(word.toString());
                word.setLength(0);
            }
        }
        if (word.length() > 0) {
            words.add(word.toString());
        }
        return words;
    }

    @Test
    void shouldCutAndLowerCaseWordsWithoutRegardToLocale() {
        assertThat(Words.of("Kafka's 3 topics_ÉTÉ, İstanbul; Straße 𝔘𝔫𝔦 x2")).containsExactly("kafka", "s", "3",
                "topics", "été", "istanbul", "straße", "𝔘𝔫𝔦", "x2");
        assertThat(Words.count("Kafka's 3 topics_ÉTÉ")).isEqualTo(5);
        assertThat(Words.of("")).isEmpty();
        assertThat(Words.of(" ,; ")).isEmpty();
    }

    /** Awkward texts (surrogates alone, title case, sharp s, soft hyphens) and the sample documents. */
    static List<String> samples() throws IOException {
        List<String> texts = new ArrayList<>(List.of("ÀB-cd\u00ADef\u200Bgh", "a\uD835", "\uDD18z", "ǅungla ǈ ß ẞ Σσς",
                "İstanbul 𝔘𝔫𝔦 x2", ""));
        Path samples = Path.of("..", "examples", "documents");
        try (Stream<Path> files = Files.list(samples)) {
            for (Path file : files.sorted().toList()) {
                texts.add(Files.readString(file, StandardCharsets.UTF_8));
            }
        }
        return texts;
    }

    @Test
    void shouldAgreeWithThePlainDefinitionOnTheSampleDocuments() throws IOException {
        List<String> texts = samples();
        assertThat(texts).hasSizeGreaterThan(10);
        for (String text : texts) {
            assertThat(Words.of(text)).as(text.substring(0, Math.min(40, text.length()))).isEqualTo(reference(text));
            assertThat(Words.count(text)).isEqualTo(reference(text).size());
        }
    }
}
