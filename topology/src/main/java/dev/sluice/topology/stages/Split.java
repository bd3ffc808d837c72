package dev.sluice.topology.stages;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.Task;
import dev.sluice.topology.stage.Emitter;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stage.StageContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Splits a document into chunks of at most {@code size} characters that overlap by about
 * {@code overlap} characters, ending each chunk at a word boundary where one lies in its second
 * half. The job's {@code split} task, if it has one, sets size and overlap for that job
 * ({@code size}/{@code chunk_size}, {@code overlap}/{@code chunk_overlap}); the stage's own
 * parameters are the defaults.
 */
public final class Split implements Stage<Document, Chunk> {

    /** The task type whose parameters override the stage's. */
    public static final String TASK = "split";

    private final int size;
    private final int overlap;

    public Split(int size, int overlap) {
        checkSizes(size, overlap, "stage parameters");
        this.size = size;
        this.overlap = overlap;
    }

    @Override
    public Set<String> taskTypes() {
        return Set.of(TASK);
    }

    @Override
    public void process(Document input, StageContext context, Emitter<Chunk> out) {
        int chunkSize = size;
        int chunkOverlap = overlap;
        Optional<Task> task = context.task(TASK);
        if (task.isPresent()) {
            Map<String, String> params = task.get().getParams();
            chunkSize = intParam(params, size, "size", "chunk_size");
            chunkOverlap = intParam(params, overlap, "overlap", "chunk_overlap");
            checkSizes(chunkSize, chunkOverlap, "the job's split task");
        }
        String text = input.getText();
        List<Integer> pages = input.getPages();
        Map<String, String> metadata = input.getMetadata().isEmpty() ? null : input.getMetadata();
        int index = 0;
        for (int[] span : spans(text, chunkSize, chunkOverlap)) {
            out.emit(Chunk.newBuilder()
                    .setDocumentId(input.getId())
                    .setIndex(index++)
                    .setStart(span[0])
                    .setEnd(span[1])
                    .setText(text.substring(span[0], span[1]))
                    .setEmbedding(List.of())
                    .setSourceUri(input.getSourceUri())
                    .setContentType(input.getContentType())
                    .setPages(pagesOf(pages, span[0], span[1], text.length()))
                    .setMetadata(metadata)
                    .build());
        }
    }

    /**
     * The pages (from 1) that the text in [start, end) is on, given where each page starts in a text of
     * {@code length}; none for a document without pages.
     */
    static List<Integer> pagesOf(List<Integer> pageStarts, int start, int end, int length) {
        if (pageStarts.isEmpty()) {
            return List.of();
        }
        List<Integer> on = new ArrayList<>(2);
        for (int page = 0; page < pageStarts.size(); page++) {
            int from = page == 0 ? 0 : pageStarts.get(page);
            int to = page + 1 < pageStarts.size() ? pageStarts.get(page + 1) : length;
            if (from < end && to > start && from < to) {
                on.add(page + 1);
            }
        }
        return on;
    }

    /** The [start, end) spans of the chunks of {@code text}, in order; none for empty text. */
    static List<int[]> spans(String text, int size, int overlap) {
        List<int[]> spans = new ArrayList<>();
        int n = text.length();
        int start = 0;
        while (start < n) {
            int end = Math.min(n, start + size);
            if (end < n) {
                int cut = lastBreak(text, start + size / 2, end);
                if (cut > start) {
                    end = cut;
                }
                if (Character.isLowSurrogate(text.charAt(end)) && end - 1 > start) {
                    end--;
                }
            }
            int trimmed = end;
            while (trimmed > start && Character.isWhitespace(text.charAt(trimmed - 1))) {
                trimmed--;
            }
            spans.add(new int[] {start, trimmed > start ? trimmed : end});
            if (end >= n) {
                break;
            }
            int next = Math.max(start + 1, end - overlap);
            next = nextWordStart(text, next, end);
            start = next;
        }
        return spans;
    }

    private static int lastBreak(String text, int from, int end) {
        for (int i = end; i > from; i--) {
            if (Character.isWhitespace(text.charAt(i - 1)) && !Character.isWhitespace(text.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static int nextWordStart(String text, int from, int limit) {
        if (from == 0 || Character.isWhitespace(text.charAt(from - 1))) {
            return skipSpace(text, from, limit);
        }
        for (int i = from; i < limit; i++) {
            if (Character.isWhitespace(text.charAt(i))) {
                return skipSpace(text, i, limit);
            }
        }
        return from;
    }

    private static int skipSpace(String text, int from, int limit) {
        int i = from;
        while (i < limit && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i < limit ? i : from;
    }

    private static int intParam(Map<String, String> params, int fallback, String... names) {
        for (String name : names) {
            String value = params.get(name);
            if (value != null) {
                try {
                    return Integer.parseInt(value.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("split task parameter " + name + "='" + value
                            + "' is not a whole number", e);
                }
            }
        }
        return fallback;
    }

    private static void checkSizes(int size, int overlap, String where) {
        if (size < 1) {
            throw new IllegalArgumentException("chunk size in " + where + " must be at least 1, was " + size);
        }
        if (overlap < 0 || overlap >= size) {
            throw new IllegalArgumentException("chunk overlap in " + where + " must be at least 0 and less than the"
                    + " chunk size " + size + ", was " + overlap);
        }
    }

    @Override
    public String toString() {
        return "Split[size=" + size + ", overlap=" + overlap + "]";
    }
}
