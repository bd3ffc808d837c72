package dev.sluice.topology.stages;

import dev.sluice.schemas.Document;
import dev.sluice.topology.Emitter;
import dev.sluice.topology.Stage;
import dev.sluice.topology.StageContext;
import java.text.Normalizer;

/**
 * Normalizes a document's text: Unicode NFC; line breaks to {@code \n}; every other kind of white
 * space (tabs, no-break and other Unicode spaces) to one plain space, runs collapsed; zero-width
 * characters and control characters removed; spaces trimmed around line breaks; more than one blank
 * line between paragraphs reduced to one; leading and trailing white space removed.
 */
public final class Normalize implements Stage<Document, Document> {

    @Override
    public void process(Document input, StageContext context, Emitter<Document> out) {
        out.emit(Document.newBuilder(input).setText(normalize(input.getText())).build());
    }

    /** The normalized form of {@code text}. */
    public static String normalize(String text) {
        String nfc = Normalizer.isNormalized(text, Normalizer.Form.NFC) ? text
                : Normalizer.normalize(text, Normalizer.Form.NFC);
        StringBuilder sb = new StringBuilder(nfc.length());
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
            } else if (isSpace(c)) {
                space = true;
            } else if (isInvisible(c)) {
                continue;
            } else {
                if (sb.length() > 0) {
                    if (newlines > 0) {
                        sb.append(newlines > 1 ? "\n\n" : "\n");
                    } else if (space) {
                        sb.append(' ');
                    }
                }
                newlines = 0;
                space = false;
                sb.append(c);
            }
        }
        return sb.toString();
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
