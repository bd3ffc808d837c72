package dev.sluice.topology.pipeline;

import java.util.Arrays;

/**
 * Walks the words of a text as {@link Words} defines them (runs of letters and digits, each code
 * point lower-cased on its own), handing each over in a reused buffer, so that a stage that only
 * hashes or counts words makes no string per word.
 */
public final class WordScanner {

    private final String text;
    private final int end;
    private int position;
    private char[] word = new char[32];
    private int length;

    public WordScanner(String text) {
        this.text = text;
        this.end = text.length();
    }

    /** Moves to the next word; false when there is none. */
    public boolean next() {
        String s = text;
        int i = position;
        // skip to the next word character, ASCII first
        while (i < end) {
            char c = s.charAt(i);
            if (c < 128) {
                if (isAsciiWordChar(c)) {
                    break;
                }
                i++;
            } else {
                int cp = s.codePointAt(i);
                if (Character.isLetterOrDigit(cp)) {
                    break;
                }
                i += Character.charCount(cp);
            }
        }
        if (i >= end) {
            position = end;
            length = 0;
            return false;
        }
        int n = 0;
        while (i < end) {
            char c = s.charAt(i);
            if (c < 128) {
                if (!isAsciiWordChar(c)) {
                    break;
                }
                if (n == word.length) {
                    word = Arrays.copyOf(word, n * 2);
                }
                word[n++] = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
                i++;
            } else {
                int cp = s.codePointAt(i);
                if (!Character.isLetterOrDigit(cp)) {
                    break;
                }
                if (n + 2 > word.length) {
                    word = Arrays.copyOf(word, word.length * 2);
                }
                n += Character.toChars(Character.toLowerCase(cp), word, n);
                i += Character.charCount(cp);
            }
        }
        position = i;
        length = n;
        return true;
    }

    /** The current word's characters, valid up to {@link #length()} and until the next call to {@link #next()}. */
    public char[] chars() {
        return word;
    }

    public int length() {
        return length;
    }

    /** The current word as a string. */
    public String word() {
        return new String(word, 0, length);
    }

    static boolean isAsciiWordChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }
}
