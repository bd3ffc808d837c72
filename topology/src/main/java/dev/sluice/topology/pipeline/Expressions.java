package dev.sluice.topology.pipeline;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The conditions of branches and filters in configuration files, e.g. {@code words > 5000} or
 * {@code content_type == 'text/markdown' and chars < 200}: comparisons ({@code < <= > >= == !=}) of a
 * field with a number or a quoted string, joined by {@code and} (binds first) and {@code or}.
 *
 * <p>Fields, of a Document, a Job (its document) or a Chunk: {@code words}, {@code chars},
 * {@code bytes} (UTF-8), {@code lines}, {@code content_type}, {@code id}.
 */
public final class Expressions {

    /** The fields an expression may name. */
    public static final Set<String> FIELDS = Set.of("words", "chars", "bytes", "lines", "content_type", "id");

    private static final Pattern COMPARISON = Pattern.compile(
            "\\s*([a-z_]+)\\s*(<=|>=|==|!=|<|>)\\s*('([^']*)'|\"([^\"]*)\"|(-?\\d+(?:\\.\\d+)?))\\s*");

    private Expressions() {
    }

    /**
     * Parses {@code expression}.
     *
     * @throws IllegalArgumentException naming what is wrong with it
     */
    public static Predicate<Object> parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("empty condition");
        }
        Predicate<Object> any = null;
        for (String alternative : expression.split("(?i)\\s+or\\s+")) {
            Predicate<Object> all = null;
            for (String part : alternative.split("(?i)\\s+and\\s+")) {
                Predicate<Object> comparison = comparison(part, expression);
                all = all == null ? comparison : all.and(comparison);
            }
            any = any == null ? all : any.or(all);
        }
        return any;
    }

    private static Predicate<Object> comparison(String text, String whole) {
        Matcher m = COMPARISON.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read condition '" + whole + "' at '" + text.trim()
                    + "': write field op value, e.g. words > 5000 or content_type == 'text/plain'");
        }
        String field = m.group(1);
        if (!FIELDS.contains(field)) {
            throw new IllegalArgumentException("condition '" + whole + "' names unknown field '" + field + "'; the fields are "
                    + new TreeSet<>(FIELDS));
        }
        String op = m.group(2);
        boolean numeric = m.group(6) != null;
        boolean numericField = !field.equals("content_type") && !field.equals("id");
        if (numeric != numericField) {
            throw new IllegalArgumentException("condition '" + whole + "' compares " + (numericField ? "number" : "text")
                    + " field '" + field + "' with " + (numeric ? "a number" : "a string"));
        }
        if (!numeric && !op.equals("==") && !op.equals("!=")) {
            throw new IllegalArgumentException("condition '" + whole + "' compares text with " + op + "; use == or !=");
        }
        if (numeric) {
            double expected = Double.parseDouble(m.group(6));
            return value -> compare(((Number) field(field, value)).doubleValue(), op, expected);
        }
        String expected = m.group(4) != null ? m.group(4) : m.group(5);
        return value -> op.equals("==") == expected.equals(field(field, value));
    }

    private static boolean compare(double actual, String op, double expected) {
        return switch (op) {
            case "<" -> actual < expected;
            case "<=" -> actual <= expected;
            case ">" -> actual > expected;
            case ">=" -> actual >= expected;
            case "==" -> actual == expected;
            default -> actual != expected;
        };
    }

    private static Object field(String field, Object value) {
        String text;
        String contentType;
        String id;
        if (value instanceof Job job) {
            value = job.getDocument();
        }
        if (value instanceof Document doc) {
            text = doc.getText();
            contentType = doc.getContentType();
            id = doc.getId();
        } else if (value instanceof Chunk chunk) {
            text = chunk.getText();
            contentType = "text/plain";
            id = chunk.getDocumentId() + "#" + chunk.getIndex();
        } else {
            throw new IllegalArgumentException("a condition can look at a Document, Job or Chunk, not a "
                    + (value == null ? "null" : value.getClass().getSimpleName()));
        }
        return switch (field) {
            case "words" -> Words.count(text);
            case "chars" -> text.length();
            case "bytes" -> text.getBytes(StandardCharsets.UTF_8).length;
            case "lines" -> text.isEmpty() ? 0 : (int) text.lines().count();
            case "content_type" -> contentType.toLowerCase(Locale.ROOT);
            default -> id;
        };
    }

}
