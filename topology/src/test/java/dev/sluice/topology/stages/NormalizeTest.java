package dev.sluice.topology.stages;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NormalizeTest {

    /** The plain definition, one character at a time through a StringBuilder. */
    private static String reference(String text) {
        String nfc = Normalizer.normalize(text, Normalizer.Form.NFC);
        StringBuilder sb = new StringBuilder();
        int newlines = 0;
        boolean space = false;
        for (int i = 0; i < nfc.length(); i++) {
            char c = nfc.charAt(i);
            if (c == '\r') {
                if (i + 1 < nfc.length() && nfc.charAt(i + 1) == '\n') {
                    continue;
                }
                c = '\n';
            }
            if (c == '\n' || c == '\u2028' || c == '\u2029' || c == '\u0085') {
                newlines++;
                space = false;
            } else if (c == ' ' || c == '\t' || c == '\u000B' || c == '\f' || Character.isSpaceChar(c)) {
                space = true;
            } else if (c < 0x20 || c == 0x7f || c == '\u200B' || c == '\u200C' || c == '\u200D' || c == '\u2060'
                    || c == '\uFEFF' || c == '\u00AD' || Character.getType(c) == Character.CONTROL) {
                continue;
            } else {
                if (sb.length() > 0) {
                    sb.append(newlines > 1 ? "\n\n" : newlines == 1 ? "\n" : space ? " " : "");
                }
                newlines = 0;
                space = false;
                sb.append(c);
            }
        }
        return sb.toString();
    }

    @Test
    void shouldAgreeWithThePlainDefinitionOnTheSampleDocuments() throws IOException {
        List<String> texts = new ArrayList<>(WordsTest.samples());
        texts.add(" \r\n\r\n a\rb\u2028\u2029c\u0085 \t\u00a0d\u007f\u0000e\u0301 \uFEFF");
        texts.add("\n\n\n");
        for (String text : texts) {
            assertThat(Normalize.normalize(text)).as(text.substring(0, Math.min(40, text.length())))
                    .isEqualTo(reference(text));
        }
    }

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

    @Test
    void shouldNormalizeADocumentPageByPageAndMoveItsPageStarts() throws Exception {
        String page1 = "  First\tpage \r\n text.  ";
        String page2 = "\n\n\nSecond   page.";
        String page3 = " \n ";
        String page4 = "Fourth.";
        dev.sluice.schemas.Document doc = dev.sluice.schemas.Document.newBuilder().setId("d")
                .setText(page1 + page2 + page3 + page4)
                .setPages(List.of(0, page1.length(), page1.length() + page2.length(),
                        page1.length() + page2.length() + page3.length()))
                .build();
        List<dev.sluice.schemas.Document> out = new ArrayList<>();
        new Normalize().process(doc, Contexts.of(doc.getText()), out::add);
        dev.sluice.schemas.Document normalized = out.get(0);
        assertThat(normalized.getText()).isEqualTo("First page\ntext.\n\nSecond page.\n\nFourth.");
        List<Integer> pages = normalized.getPages();
        assertThat(pages).hasSize(4);
        assertThat(normalized.getText().substring(pages.get(0), pages.get(1))).startsWith("First page");
        assertThat(normalized.getText().substring(pages.get(1))).startsWith("Second page.");
        assertThat(pages.get(2)).as("an empty page starts where the next does").isEqualTo(pages.get(1) + 12);
        assertThat(normalized.getText().substring(pages.get(3))).isEqualTo("Fourth.");
    }
}
