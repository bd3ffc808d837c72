package dev.sluice.topology.pipeline;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.topology.stage.Condition;
import dev.sluice.topology.stage.StageContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * The conditions of branches and filters in configuration files, e.g. {@code payload.pages > 20} or
 * {@code attributes.lang == 'fr' and chars < 200}: comparisons ({@code < <= > >= == !=}) of a field
 * with a number, a quoted string, or {@code true}/{@code false}, joined by {@code and} (binds first) and
 * {@code or}.
 *
 * <p>Fields: {@code payload.a.b}, a field of the record by its path through the record's Avro schema
 * (a number, a string, an enum or a boolean); {@code attributes.k}, the job's attribute {@code k} (a
 * string; an attribute the job does not have is equal to nothing); and, of a Document or a Chunk, the
 * measures of its text: {@code words}, {@code chars}, {@code bytes} (UTF-8), {@code lines},
 * {@code content_type}, {@code id}. A condition is checked against the type of the records it will
 * see before the pipeline starts ({@link Expression#problems}): a field the record does not have is an
 * error naming it.
 */
public final class Expressions {

    /** The measures of a Document's or a Chunk's text an expression may name. */
    public static final Set<String> FIELDS = Set.of("words", "chars", "bytes", "lines", "content_type", "id");

    private static final String PAYLOAD = "payload.";
    private static final String ATTRIBUTES = "attributes.";
    private static final Pattern COMPARISON = Pattern.compile("\\s*([A-Za-z_][\\w]*(?:\\.[A-Za-z_][\\w]*)*)\\s*"
            + "(<=|>=|==|!=|<|>)\\s*('([^']*)'|\"([^\"]*)\"|(-?\\d+(?:\\.\\d+)?)|(true|false))\\s*");

    private Expressions() {
    }

    /**
     * Parses {@code expression}.
     *
     * @throws IllegalArgumentException naming what is wrong with it
     */
    public static Expression parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("empty condition");
        }
        List<List<Comparison>> any = new ArrayList<>();
        for (String alternative : expression.split("(?i)\\s+or\\s+")) {
            List<Comparison> all = new ArrayList<>();
            for (String part : alternative.split("(?i)\\s+and\\s+")) {
                all.add(comparison(part, expression));
            }
            any.add(all);
        }
        return new Expression(expression, any);
    }

    private static Comparison comparison(String text, String whole) {
        Matcher m = COMPARISON.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read condition '" + whole + "' at '" + text.trim()
                    + "': write field op value, e.g. payload.pages > 20, attributes.lang == 'fr' or words > 5000");
        }
        String field = m.group(1);
        if (!field.startsWith(PAYLOAD) && !field.startsWith(ATTRIBUTES) && !FIELDS.contains(field)) {
            throw new IllegalArgumentException("condition '" + whole + "' names unknown field '" + field + "'; name a"
                    + " field of the record as payload." + field + ", a job attribute as attributes." + field
                    + ", or a measure of a document's text: " + new TreeSet<>(FIELDS));
        }
        String op = m.group(2);
        Kind kind = m.group(6) != null ? Kind.NUMBER : m.group(7) != null ? Kind.BOOLEAN : Kind.TEXT;
        if (kind != Kind.NUMBER && !op.equals("==") && !op.equals("!=")) {
            throw new IllegalArgumentException("condition '" + whole + "' compares " + kind.label + " with " + op
                    + "; use == or !=");
        }
        if (field.startsWith(ATTRIBUTES) && kind != Kind.TEXT) {
            throw new IllegalArgumentException("condition '" + whole + "' compares attribute '" + field
                    + "', a string, with " + kind.label + "; quote it");
        }
        if (FIELDS.contains(field) && (kind == Kind.NUMBER) == (field.equals("content_type") || field.equals("id"))) {
            boolean numericField = !field.equals("content_type") && !field.equals("id");
            throw new IllegalArgumentException("condition '" + whole + "' compares " + (numericField ? "number" : "text")
                    + " field '" + field + "' with " + kind.label);
        }
        String expected = m.group(4) != null ? m.group(4) : m.group(5) != null ? m.group(5) : m.group(7);
        // a payload field's path and an attribute's name, found once here rather than for each record
        String[] path = field.startsWith(PAYLOAD) ? field.substring(PAYLOAD.length()).split("\\.") : null;
        String attribute = field.startsWith(ATTRIBUTES) ? field.substring(ATTRIBUTES.length()) : null;
        return new Comparison(field, path, attribute, op, kind, kind == Kind.NUMBER ? Double.parseDouble(m.group(6)) : 0,
                expected);
    }

    /** What a comparison compares with. */
    private enum Kind {
        NUMBER("a number"), TEXT("a string"), BOOLEAN("true or false");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /**
     * One {@code field op value}; {@code path} the names of a {@code payload.} field and {@code attribute}
     * the name of an {@code attributes.} one, each null for another kind of field.
     */
    private record Comparison(String field, String[] path, String attribute, String op, Kind kind, double number, String text) {

        boolean test(Object record, StageContext context) {
            Object value = value(record, context);
            if (value == null) {
                return op.equals("!=");
            }
            if (kind == Kind.NUMBER) {
                return value instanceof Number n && compare(n.doubleValue());
            }
            return op.equals("==") == text.equals(value.toString());
        }

        private boolean compare(double actual) {
            return switch (op) {
                case "<" -> actual < number;
                case "<=" -> actual <= number;
                case ">" -> actual > number;
                case ">=" -> actual >= number;
                case "==" -> actual == number;
                default -> actual != number;
            };
        }

        private Object value(Object record, StageContext context) {
            if (attribute != null) {
                return context == null ? null : context.attributes().get(attribute);
            }
            if (path != null) {
                Object at = record;
                for (String name : path) {
                    if (!(at instanceof IndexedRecord indexed)) {
                        return null;
                    }
                    Schema.Field f = indexed.getSchema().getField(name);
                    at = f == null ? null : indexed.get(f.pos());
                }
                return at;
            }
            return measure(field, record);
        }

        /** Why this comparison cannot look at records of {@code type} and {@code schema} (null: none). */
        String problem(Class<?> type, Schema schema, String expression) {
            if (attribute != null) {
                return null;
            }
            if (FIELDS.contains(field)) {
                return Document.class.isAssignableFrom(type) || Chunk.class.isAssignableFrom(type) ? null
                        : "condition '" + expression + "' names '" + field + "', a measure of a Document's or a Chunk's"
                                + " text, but its records are " + type.getSimpleName() + ": name a field of theirs as"
                                + " payload.<field>";
            }
            if (schema == null) {
                return "condition '" + expression + "' names '" + field + "', but its records are "
                        + type.getSimpleName() + ", which has no Avro schema to find the field in";
            }
            Schema at = schema;
            StringBuilder where = new StringBuilder("payload");
            for (String name : path) {
                Schema record = nonNull(at);
                Schema.Field f = record.getType() == Schema.Type.RECORD ? record.getField(name) : null;
                if (f == null) {
                    return "condition '" + expression + "' names unknown field '" + field + "': " + where + " is a "
                            + describe(record) + (record.getType() == Schema.Type.RECORD ? " with fields "
                            + record.getFields().stream().map(Schema.Field::name).toList() : "");
                }
                where.append('.').append(name);
                at = f.schema();
            }
            Schema leaf = nonNull(at);
            boolean fits = switch (kind) {
                case NUMBER -> Set.of(Schema.Type.INT, Schema.Type.LONG, Schema.Type.FLOAT, Schema.Type.DOUBLE)
                        .contains(leaf.getType());
                case TEXT -> leaf.getType() == Schema.Type.STRING || leaf.getType() == Schema.Type.ENUM;
                case BOOLEAN -> leaf.getType() == Schema.Type.BOOLEAN;
            };
            return fits ? null : "condition '" + expression + "' compares field '" + field + "', a " + describe(leaf)
                    + ", with " + kind.label;
        }

        private static Schema nonNull(Schema schema) {
            if (schema.getType() == Schema.Type.UNION) {
                List<Schema> others = schema.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).toList();
                return others.size() == 1 ? others.get(0) : schema;
            }
            return schema;
        }

        private static String describe(Schema schema) {
            return schema.getType() == Schema.Type.RECORD ? "record " + schema.getName() : schema.getType().getName();
        }
    }

    private static Object measure(String field, Object value) {
        String text;
        String contentType;
        String id;
        if (value instanceof Document doc) {
            text = doc.getText();
            contentType = doc.getContentType();
            id = doc.getId();
        } else if (value instanceof Chunk chunk) {
            text = chunk.getText();
            contentType = "text/plain";
            id = chunk.getDocumentId() + "#" + chunk.getIndex();
        } else {
            throw new IllegalArgumentException("'" + field + "' measures a Document's or a Chunk's text, not a "
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

    /** A parsed condition: a record (and its job, through its context) passes or not. */
    public static final class Expression implements Condition<Object> {
        private final String text;
        private final List<List<Comparison>> any;

        private Expression(String text, List<List<Comparison>> any) {
            this.text = text;
            this.any = any;
        }

        @Override
        public boolean test(Object record, StageContext context) {
            for (List<Comparison> all : any) {
                boolean passes = true;
                for (Comparison comparison : all) {
                    if (!comparison.test(record, context)) {
                        passes = false;
                        break;
                    }
                }
                if (passes) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Why the condition cannot look at records of {@code type} (the class a stage takes), whose Avro
         * schema is {@code schema} (null for a class without one): each field it names that they do not
         * have, or that is not of the kind it is compared with. Empty when it can.
         */
        public List<String> problems(Class<?> type, Schema schema) {
            List<String> problems = new ArrayList<>();
            for (List<Comparison> all : any) {
                for (Comparison comparison : all) {
                    String problem = comparison.problem(type, schema, text);
                    if (problem != null && !problems.contains(problem)) {
                        problems.add(problem);
                    }
                }
            }
            return problems;
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
