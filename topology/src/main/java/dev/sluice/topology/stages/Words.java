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

    /** How many words {@code text} has, without making them. */
    public static int count(CharSequence text) {
        int count = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length(); ) {
            int cp = Character.codePointAt(text, i);
            i += Character.charCount(cp);
            boolean letter = Character.isLetterOrDigit(cp);
            if (letter && !inWord) {
                count++;
            }
            inWord = letter;
        }
        return count;
    }
}
