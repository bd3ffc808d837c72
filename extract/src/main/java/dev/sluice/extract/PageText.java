package dev.sluice.extract;

import java.util.ArrayList;
import java.util.List;
import org.xml.sax.Attributes;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * The text of a parsed document, and where each of its pages starts in it: Tika's parsers write a PDF's
 * pages as {@code <div class="page">} and a presentation's slides as {@code <div class="slide-content">},
 * and the line breaks after paragraphs and headings as ignorable white space, which is kept.
 * Refuses to hold more than its limit of characters.
 */
final class PageText extends DefaultHandler {

    private final StringBuilder text = new StringBuilder();
    private final List<Integer> pages = new ArrayList<>();
    private final int maxChars;

    PageText(int maxChars) {
        this.maxChars = maxChars;
    }

    @Override
    public void startElement(String uri, String localName, String qName, Attributes attributes) {
        if ("div".equals(localName)) {
            String kind = attributes.getValue("class");
            if ("page".equals(kind) || "slide-content".equals(kind)) {
                // a page ends a paragraph: its text never runs on into the next page's first word
                if (!text.isEmpty() && text.charAt(text.length() - 1) != '\n') {
                    text.append('\n');
                }
                pages.add(text.length());
            }
        }
    }

    @Override
    public void characters(char[] ch, int start, int length) throws SAXException {
        append(ch, start, length);
    }

    @Override
    public void ignorableWhitespace(char[] ch, int start, int length) throws SAXException {
        append(ch, start, length);
    }

    private void append(char[] ch, int start, int length) throws SAXException {
        if (text.length() + length > maxChars) {
            throw new TooLong(maxChars);
        }
        text.append(ch, start, length);
    }

    String text() {
        return text.toString();
    }

    /** Where each page starts in {@link #text()}; empty for a document without pages. */
    List<Integer> pages() {
        return pages;
    }

    /** The document's text would be longer than the limit. */
    static final class TooLong extends SAXException {
        TooLong(int maxChars) {
            super("its text is longer than " + maxChars + " characters (max-chars)");
        }
    }
}
