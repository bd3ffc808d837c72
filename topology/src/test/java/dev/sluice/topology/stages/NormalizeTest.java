package dev.sluice.topology.stages;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NormalizeTest {

    @Test
    void shouldComposeToNfc() {
        String decomposed = "Cafe\u0301 na\u0308ive";
        assertThat(Normalize.normalize(decomposed)).isEqualTo("Caf\u00e9 n\u00e4ive");
    }

    @Test
    void shouldCollapseSpacesAndUnicodeSpaces() {
        assertThat(Normalize.normalize("a  \t b\u00a0\u2003c")).isEqualTo("a b c");
    }

    @Test
    void shouldKeepParagraphsButNotMoreThanOneBlankLine() {
        assertThat(Normalize.normalize("  one  \r\n two\n\n\n\nthree \r")).isEqualTo("one\ntwo\n\nthree");
    }

    @Test
    void shouldDropZeroWidthAndControlCharacters() {
        assertThat(Normalize.normalize("\uFEFFze\u200Bro\u0007 width")).isEqualTo("zero width");
    }

    @Test
    void shouldMapBlankTextToEmpty() {
        assertThat(Normalize.normalize(" \n\t ")).isEmpty();
    }
}
