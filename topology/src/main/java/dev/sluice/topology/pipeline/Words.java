package dev.sluice.topology.pipeline;

import java.util.ArrayList;
import java.util.List;

/** Words of a text: runs of letters and digits, lower-cased without regard to locale. */
public final class Words {

    private Words() {
    }

    /** The words of {@code text}, in order. */
    public static List<String> of(String text) {
        List<String> words = new ArrayList<>(text.length() / 6 + 1);
        WordScanner scanner = new WordScanner(text);
        while (scanner.next()) {
            words.add(scanner.word());
        }
        return words;
    }

    /** How many words {@code text} has, without making them. */
    public static int count(CharSequence text) {
        int count = 0;
        boolean inWord = false;
        int n = text.length();
        for (int i = 0; i < n; ) {
            char c = text.charAt(i);
            boolean letter;
            if (c < 128) {
                letter = WordScanner.isAsciiWordChar(c);
                i++;
            } else {
                int cp = Character.codePointAt(text, i);
                letter = Character.isLetterOrDigit(cp);
                i += Character.charCount(cp);
            }
            if (letter && !inWord) {
                count++;
            }
            inWord = letter;
        }
        return count;
    }
}
