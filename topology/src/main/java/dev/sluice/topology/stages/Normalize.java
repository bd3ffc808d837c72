package dev.sluice.topology.stages;

import dev.sluice.schemas.Document;
import dev.sluice.topology.stage.Emitter;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stage.StageContext;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Normalizes a document's text: Unicode NFC; line breaks to {@code \n}; every other kind of white
 * space (tabs, no-break and other Unicode spaces) to one plain space, runs collapsed; zero-width
 * characters and control characters removed; spaces trimmed around line breaks; more than one blank
 * line between paragraphs reduced to one; leading and trailing white space removed. A document with
 * pages ({@link Document#getPages()}) is normalized page by page, the pages joined by a blank line, and
 * its page starts moved to where each page's text now starts. A document with no text left fails here:
 * there is nothing to ingest.
 */
public final class Normalize implements Stage<Document, Document> {

    @Override
    public void process(Document input, StageContext context, Emitter<Document> out) {
        List<Integer> pages = input.getPages();
        String text;
        List<Integer> starts = pages;
        if (pages.isEmpty()) {
            text = normalize(input.getText());
        } else {
            // page by page, so that each page's start can be told in the text as it comes out
            String raw = input.getText();
            StringBuilder joined = new StringBuilder(raw.length());
            starts = new ArrayList<>(pages.size());
            for (int page = 0; page < pages.size(); page++) {
                int from = page == 0 ? 0 : Math.min(raw.length(), Math.max(pages.get(page), pages.get(page - 1)));
                int to = page + 1 < pages.size() ? Math.min(raw.length(), Math.max(from, pages.get(page + 1)))
                        : raw.length();
                String normalized = normalize(raw.substring(from, to));
                if (!normalized.isEmpty() && !joined.isEmpty()) {
                    joined.append("\n\n");
                }
                starts.add(joined.length());
                joined.append(normalized);
            }
            text = joined.toString();
        }
        if (text.isEmpty()) {
            throw new IllegalArgumentException("document '" + input.getId() + "' is empty: there is no text to ingest");
        }
        out.emit(Document.newBuilder(input).setText(text).setPages(starts).build());
    }

    /** The normalized form of {@code text}. */
    public static String normalize(String text) {
        String nfc = Normalizer.isNormalized(text, Normalizer.Form.NFC) ? text
                : Normalizer.normalize(text, Normalizer.Form.NFC);
        char[] in = nfc.toCharArray();
        // never longer than the input: every separator written stands for at least one character read
        char[] out = new char[in.length];
        int length = 0;
        int newlines = 0;
        boolean space = false;
        for (int i = 0; i < in.length; i++) {
            char c = in[i];
            if (c > ' ' && c < 0x7f) {
                // visible ASCII, the common case: none of the checks below applies
            } else {
                if (c == '\r') {
                    if (i + 1 < in.length && in[i + 1] == '\n') {
                        continue;
                    }
                    c = '\n';
                }
                if (c == '\n' || c == '\u2028' || c == '\u2029' || c == '\u0085') {
                    newlines++;
                    space = false;
                    continue;
                }
                if (isSpace(c)) {
                    space = true;
                    continue;
                }
                if (isInvisible(c)) {
                    continue;
                }
            }
            if (length > 0) {
                if (newlines > 0) {
                    out[length++] = '\n';
                    if (newlines > 1) {
                        out[length++] = '\n';
                    }
                } else if (space) {
                    out[length++] = ' ';
                }
            }
            newlines = 0;
            space = false;
            out[length++] = c;
        }
        return new String(out, 0, length);
    }

    private static boolean isSpace(char c) {
        if (c < 128) {
            return c == ' ' || c == '\t' || c == '\u000B' || c == '\f';
        }
        return c == ' ' || c == '\t' || c == '\u000B' || c == '\f' || Character.isSpaceChar(c);
    }

    private static boolean isInvisible(char c) {
        if (c < 128) {
            return c < 0x20 || c == 0x7f; // the ASCII control characters
        }
        return c == '\u200B' || c == '\u200C' || c == '\u200D' || c == '\u2060' || c == '\uFEFF' || c == '\u00AD'
                || Character.getType(c) == Character.CONTROL;
    }
}
