package dev.sluice.topology.stages;

import java.util.ArrayList;
import java.util.List;

/** Words of a text: runs of letters and digits, lower-cased without regard to locale. */
public final class Words {

    private Words() {
    }

    /** The words of {@code text}, in order. */
    public static List<String> of(String text) {
        List<String> words = new ArrayList<>();
        int n = text.length();
        int i = 0;
        while (i < n) {
            int cp = text.codePointAt(i);
            if (!isWordChar(cp)) {
                i += Character.charCount(cp);
                continue;
            }
            int start = i;
            boolean lower = true; // no upper case and no code point outside ASCII: the text is the word
            while (i < n && isWordChar(cp = text.codePointAt(i))) {
                lower &= cp < 128 && !(cp >= 'A' && cp <= 'Z');
                i += Character.charCount(cp);
            }
            words.add(lower ? text.substring(start, i) : lowerCase(text, start, i));
        }
        return words;
    }

    /** How many words {@code text} has, without making them. */
    public static int count(CharSequence text) {
        int count = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); ) {
            int cp = Character.codePointAt(text, i);
            i += Character.charCount(cp);
            boolean letter = isWordChar(cp);
            if (letter && !inWord) {
                count++;
            }
            inWord = letter;
        }
        return count;
    }

    private static boolean isWordChar(int cp) {
        if (cp < 128) {
            return cp >= 'a' && cp <= 'z' || cp >= 'A' && cp <= 'Z' || cp >= '0' && cp <= '9';
        }
        return Character.isLetterOrDigit(cp);
    }

    private static String lowerCase(String text, int start, int end) {
        StringBuilder word = new StringBuilder(end - start);
        for (int i = start; i < end; ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            word.appendCodePoint(Character.toLowerCase(cp));
        }
        return word.toString();
    }
}
