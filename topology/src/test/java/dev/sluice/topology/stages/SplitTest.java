package dev.sluice.topology.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.Jobs;
import dev.sluice.topology.stage.StageContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SplitTest {

    private static final String TEXT = "The quick brown fox jumps over the lazy dog while the cat sleeps in the warm"
            + " afternoon sun and the birds sing in the old oak tree by the river bank.";

    private static List<Chunk> split(Split split, String text, StageContext context) throws Exception {
        List<Chunk> chunks = new ArrayList<>();
        Document doc = Document.newBuilder().setId("doc-1").setText(text).build();
        split.process(doc, context, chunks::add);
        return chunks;
    }

    @Test
    void shouldCoverTheTextWithChunksNoLongerThanSize() throws Exception {
        List<Chunk> chunks = split(new Split(40, 10), TEXT, Contexts.of(TEXT));
        assertThat(chunks).hasSizeGreaterThan(3);
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            assertThat(c.getIndex()).isEqualTo(i);
            assertThat(c.getText()).hasSizeLessThanOrEqualTo(40).isEqualTo(TEXT.substring(c.getStart(), c.getEnd()));
            assertThat(c.getEmbedding()).isEmpty();
        }
        assertThat(chunks.get(0).getStart()).isZero();
        assertThat(chunks.get(chunks.size() - 1).getEnd()).isEqualTo(TEXT.length());
        for (int i = 1; i < chunks.size(); i++) {
            assertThat(chunks.get(i).getStart()).as("chunk %d overlaps or touches the one before", i)
                    .isLessThanOrEqualTo(chunks.get(i - 1).getEnd() + 1)
                    .isGreaterThan(chunks.get(i - 1).getStart());
        }
    }

    @Test
    void shouldEndChunksAtWordBoundaries() throws Exception {
        for (Chunk c : split(new Split(40, 10), TEXT, Contexts.of(TEXT))) {
            assertThat(c.getText()).doesNotStartWith(" ").doesNotEndWith(" ");
            boolean endsAtWord = c.getEnd() == TEXT.length() || TEXT.charAt(c.getEnd()) == ' ';
            assertThat(endsAtWord).as("chunk '%s' ends at a word boundary", c.getText()).isTrue();
        }
    }

    @Test
    void shouldEmitOneChunkForShortText() throws Exception {
        List<Chunk> chunks = split(new Split(800, 100), "short text", Contexts.of("short text"));
        assertThat(chunks).singleElement().satisfies(c -> assertThat(c.getText()).isEqualTo("short text"));
    }

    @Test
    void shouldTakeSizeAndOverlapFromTheJobsSplitTask() throws Exception {
        StageContext context = Contexts.of(TEXT, Jobs.task("split", "chunk_size", "20", "chunk_overlap", "0"));
        List<Chunk> chunks = split(new Split(800, 100), TEXT, context);
        assertThat(chunks).hasSizeGreaterThan(5).allSatisfy(c -> assertThat(c.getText()).hasSizeLessThanOrEqualTo(20));
    }

    @Test
    void shouldRejectAnOverlapNotSmallerThanTheSize() {
        StageContext context = Contexts.of(TEXT, Jobs.task("split", "size", "50", "overlap", "50"));
        assertThatThrownBy(() -> split(new Split(800, 100), TEXT, context))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overlap").hasMessageContaining("split task");
    }

    @Test
    void shouldRejectANonNumericSize() {
        StageContext context = Contexts.of(TEXT, Jobs.task("split", "size", "big"));
        assertThatThrownBy(() -> split(new Split(800, 100), TEXT, context))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("size='big'");
    }

    @Test
    void shouldSplitAWordLongerThanTheSize() throws Exception {
        String word = "x".repeat(95);
        List<Chunk> chunks = split(new Split(40, 5), word, Contexts.of(word));
        assertThat(chunks).hasSize(3);
        assertThat(chunks.get(2).getEnd()).isEqualTo(95);
    }

    @Test
    void shouldTellEachChunkThePagesItsTextIsOnAndTheDocumentsMetadata() throws Exception {
        String page1 = "Page one has these words on it and nothing else.";
        String page2 = "Page two follows with words of its own.";
        String text = page1 + "\n\n" + page2;
        Document doc = Document.newBuilder().setId("doc-1").setText(text)
                .setPages(List.of(0, page1.length() + 2)).setMetadata(java.util.Map.of("title", "Two pages")).build();
        List<Chunk> chunks = new ArrayList<>();
        new Split(30, 5).process(doc, Contexts.of(text), chunks::add);
        assertThat(chunks.get(0).getPages()).containsExactly(1);
        assertThat(chunks.get(chunks.size() - 1).getPages()).containsExactly(2);
        assertThat(chunks).anySatisfy(c -> assertThat(c.getPages()).containsExactly(1, 2));
        assertThat(chunks).allSatisfy(c -> assertThat(c.getMetadata()).containsEntry("title", "Two pages"));
        assertThat(split(new Split(30, 5), TEXT, Contexts.of(TEXT))).allSatisfy(c -> {
            assertThat(c.getPages()).as("a document without pages").isEmpty();
            assertThat(c.getMetadata()).isNull();
        });
    }

    @Test
    void shouldFindThePagesOfASpan() {
        List<Integer> starts = List.of(0, 10, 10, 25);
        assertThat(Split.pagesOf(starts, 0, 5, 40)).containsExactly(1);
        assertThat(Split.pagesOf(starts, 8, 12, 40)).as("page 2 is empty").containsExactly(1, 3);
        assertThat(Split.pagesOf(starts, 24, 40, 40)).containsExactly(3, 4);
        assertThat(Split.pagesOf(List.of(), 0, 5, 40)).isEmpty();
    }
}
