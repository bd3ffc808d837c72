package dev.sluice.extract;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.Jobs;
import dev.sluice.topology.stage.Emitter;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stage.StageContext;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.tika.exception.EncryptedDocumentException;
import org.apache.tika.exception.TikaException;
import org.apache.tika.exception.ZeroByteFileException;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.langdetect.opennlp.OpenNLPDetector;
import org.apache.tika.language.detect.LanguageDetector;
import org.apache.tika.language.detect.LanguageResult;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.Office;
import org.apache.tika.metadata.PagedText;
import org.apache.tika.metadata.Property;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;
import org.apache.tika.parser.AutoDetectParser;
import org.apache.tika.parser.AutoDetectParserConfig;
import org.apache.tika.parser.ParseContext;
import org.apache.tika.sax.BodyContentHandler;
import org.xml.sax.SAXException;

/**
 * Turns a document's bytes ({@link Document#getContent()}: a PDF, a Word, PowerPoint or Excel file, an
 * OpenDocument text, HTML, EPUB, RTF, Markdown or plain text) into its text, with what the document says
 * of itself ({@code title}, {@code author}, {@code language}, {@code pages}, {@code created},
 * {@code modified}) in {@link Document#getMetadata()} and, for a PDF or a presentation, where each page
 * or slide starts in the text ({@link Document#getPages()}), through Apache Tika. The bytes are dropped
 * once read, and the content type becomes the one Tika detected from them (a file whose name lies about
 * its type is read as what it is). A document without bytes is a text document already: it goes on as
 * it came.
 *
 * <p>Limits, each a clear failure of the job at this stage: bytes over {@code max-bytes}; text over
 * {@code max-chars} (what a zip bomb would make); elements nested deeper than {@value #MAX_DEPTH} or
 * packages deeper than {@value #MAX_PACKAGE_DEPTH}; an encrypted, corrupt, empty or unsupported file.
 * Documents embedded in a document (attachments, images in a Word file) are not read. The time limit is
 * the stage's ({@code time-limit}, {@link #DEFAULT_TIME_LIMIT} for the {@code extract} type): a parse
 * past it is interrupted and fails its job.
 *
 * <p>One instance serves every task, and every instance one parser and one language detector: Tika's
 * parser is thread-safe, and the detector is used by one thread at a time.
 */
public final class Extract implements Stage<Document, Document> {

    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
    public static final int DEFAULT_MAX_CHARS = 10_000_000;
    public static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(60);
    /** Deeper XML nesting than any real document has: Tika's default is 100. */
    static final int MAX_DEPTH = 100;
    /** Packages within packages (a zip in a zip in a DOCX): Tika's default is 10. */
    static final int MAX_PACKAGE_DEPTH = 10;
    /** The text the language is told from: its start is enough, and detection costs by the character. */
    private static final int LANGUAGE_SAMPLE = 4_000;
    private static final String EMPTY_PARSER = "org.apache.tika.parser.EmptyParser";
    /** Fewer letters than this say too little of their language. */
    private static final int LANGUAGE_MIN_LETTERS = 20;
    /** How many times likelier than the next the detector's first language must be to be named. */
    private static final float LANGUAGE_LEAD = 1.3f;
    /** The detector's ISO 639-3 codes to ISO 639-1, where a language has both. */
    private static final Map<String, String> TWO_LETTER = twoLetterCodes();

    /**
     * Tika's parser, thread-safe, with the nesting limits, and the language detector, which keeps the text
     * it is given (one thread at a time): made once for every instance, as a pipeline is read more than
     * once at start-up, when the first instance is.
     */
    private static final AutoDetectParser PARSER = parser();
    private static final LanguageDetector LANGUAGES = languages();

    private final long maxBytes;
    private final int maxChars;

    public Extract() {
        this(DEFAULT_MAX_BYTES, DEFAULT_MAX_CHARS);
    }

    public Extract(long maxBytes, int maxChars) {
        if (maxBytes < 1 || maxChars < 1) {
            throw new IllegalArgumentException("max-bytes and max-chars must be positive, were " + maxBytes + " and "
                    + maxChars);
        }
        this.maxBytes = maxBytes;
        this.maxChars = maxChars;
    }

    private static AutoDetectParser parser() {
        AutoDetectParser parser = new AutoDetectParser();
        // the zip-bomb check's output threshold and ratio stay Tika's; max-chars bounds the text anyway
        parser.setAutoDetectParserConfig(new AutoDetectParserConfig(null, null, null, MAX_DEPTH, MAX_PACKAGE_DEPTH));
        return parser;
    }

    private static LanguageDetector languages() {
        try {
            return new OpenNLPDetector().loadModels();
        } catch (IOException e) {
            throw new IllegalStateException("cannot load the language models: " + e.getMessage(), e);
        }
    }

    @Override
    public void process(Document input, StageContext context, Emitter<Document> out) throws Exception {
        ByteBuffer content = input.getContent();
        if (content == null) {
            out.emit(input);
            return;
        }
        String what = "document '" + input.getId() + "' (" + input.getContentType() + ", " + content.remaining()
                + " bytes)";
        if (content.remaining() > maxBytes) {
            throw new ExtractException(what + " is larger than " + maxBytes + " bytes (max-bytes)");
        }
        byte[] bytes = Jobs.bytes(content);
        Metadata metadata = new Metadata();
        // hints for the detector, which trusts the bytes over both
        metadata.set(Metadata.CONTENT_TYPE, input.getContentType());
        String name = fileName(input.getSourceUri());
        if (name != null) {
            metadata.set(TikaCoreProperties.RESOURCE_NAME_KEY, name);
        }
        PageText text = new PageText(maxChars);
        try (TikaInputStream stream = TikaInputStream.get(bytes)) {
            PARSER.parse(stream, new BodyContentHandler(text), metadata, new ParseContext());
        } catch (ZeroByteFileException e) {
            throw new ExtractException(what + " is empty");
        } catch (EncryptedDocumentException e) {
            throw new ExtractException(what + " is encrypted: " + e.getMessage());
        } catch (PageText.TooLong e) {
            throw new ExtractException(what + ": " + e.getMessage());
        } catch (TikaException | SAXException | IOException e) {
            if (e.getCause() instanceof PageText.TooLong tooLong) {
                throw new ExtractException(what + ": " + tooLong.getMessage());
            }
            throw new ExtractException(what + " cannot be read: " + message(e), e);
        }
        String type = MediaType.parse(metadata.get(Metadata.CONTENT_TYPE)).getBaseType().toString();
        if (!parsed(metadata)) {
            throw new ExtractException(what + " is of a type extract cannot read: " + type);
        }
        String extracted = text.text();
        Map<String, String> found = metadata(metadata, extracted, text.pages().size());
        out.emit(Document.newBuilder(input).setContent(null).setContentType(type).setText(extracted)
                .setMetadata(found).setPages(new ArrayList<>(text.pages())).build());
    }

    private static Map<String, String> twoLetterCodes() {
        Map<String, String> codes = new HashMap<>();
        for (String two : Locale.getISOLanguages()) {
            try {
                codes.put(Locale.forLanguageTag(two).getISO3Language(), two);
            } catch (java.util.MissingResourceException e) {
                // a language without a three-letter code: the detector never names it
            }
        }
        return Map.copyOf(codes);
    }

    /** Whether a parser that reads the type read it: an unknown type goes to Tika's EmptyParser only. */
    private static boolean parsed(Metadata metadata) {
        String[] by = metadata.getValues(TikaCoreProperties.TIKA_PARSED_BY);
        for (String parser : by) {
            if (!parser.equals(EMPTY_PARSER) && !parser.equals("org.apache.tika.parser.DefaultParser")) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> metadata(Metadata metadata, String text, int pageDivs) {
        Map<String, String> found = new LinkedHashMap<>();
        put(found, "title", metadata, TikaCoreProperties.TITLE);
        put(found, "author", metadata, TikaCoreProperties.CREATOR);
        String language = metadata.get(TikaCoreProperties.LANGUAGE);
        found.put("language", language != null && !language.isBlank() ? language.trim().toLowerCase(Locale.ROOT)
                : detectLanguage(text));
        String pages = first(metadata, PagedText.N_PAGES, Office.PAGE_COUNT, Office.SLIDE_COUNT);
        if (pages == null && pageDivs > 0) {
            pages = Integer.toString(pageDivs);
        }
        if (pages != null) {
            found.put("pages", pages);
        }
        put(found, "created", metadata, TikaCoreProperties.CREATED);
        put(found, "modified", metadata, TikaCoreProperties.MODIFIED);
        found.values().removeIf(value -> value == null || value.isBlank());
        return found;
    }

    /**
     * The language of {@code text} as an ISO 639-1 code where it has one: the detector's most likely
     * language, when it stands out from the next ({@value #LANGUAGE_LEAD} times as likely); null when
     * none does, or the text is too short to tell.
     */
    private static String detectLanguage(String text) {
        String sample = text.length() > LANGUAGE_SAMPLE ? text.substring(0, LANGUAGE_SAMPLE) : text;
        if (sample.codePoints().filter(Character::isLetter).count() < LANGUAGE_MIN_LETTERS) {
            return null;
        }
        List<LanguageResult> results;
        synchronized (LANGUAGES) {
            LANGUAGES.reset();
            LANGUAGES.addText(sample);
            results = LANGUAGES.detectAll();
        }
        if (results.isEmpty() || results.get(0).getLanguage().isEmpty()) {
            return null;
        }
        float best = results.get(0).getRawScore();
        float next = results.size() > 1 ? results.get(1).getRawScore() : 0;
        if (best < LANGUAGE_LEAD * next) {
            return null;
        }
        String code = results.get(0).getLanguage();
        return TWO_LETTER.getOrDefault(code, code);
    }

    private static void put(Map<String, String> found, String key, Metadata metadata, Property property) {
        String[] values = metadata.getValues(property);
        if (values.length > 0) {
            found.put(key, String.join(", ", values).trim());
        }
    }

    private static String first(Metadata metadata, Property... properties) {
        for (Property property : properties) {
            String value = metadata.get(property);
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        return null;
    }

    /** The file name at the end of a source URI, a hint for the detector; null if there is none. */
    static String fileName(String sourceUri) {
        if (sourceUri == null || sourceUri.isBlank()) {
            return null;
        }
        String path;
        try {
            path = URI.create(sourceUri).getPath();
        } catch (IllegalArgumentException e) {
            path = sourceUri;
        }
        if (path == null) {
            return null;
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        return name.isEmpty() ? null : name;
    }

    /** The innermost message that says something, for a failed parse. */
    private static String message(Throwable e) {
        Throwable cause = e;
        String message = e.getMessage();
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
            if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
                message = cause.getClass().getSimpleName() + ": " + cause.getMessage();
            }
        }
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
