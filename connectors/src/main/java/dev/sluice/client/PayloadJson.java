package dev.sluice.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;

/**
 * A payload as plain JSON, read and written through its Avro schema, the way people write JSON by
 * hand rather than Avro's own JSON encoding (which wraps every union value in its type's name):
 *
 * <ul>
 *   <li>a record is an object of its fields by name; a field left out takes its default, and one
 *       without a default is required; a field the record does not have is an error;</li>
 *   <li>strings, booleans and numbers as themselves (an int or long must be a whole number in range);
 *       an enum as its symbol; an array as an array; a map as an object;</li>
 *   <li>bytes and fixed as base64 strings;</li>
 *   <li>a {@code timestamp-millis} or {@code timestamp-micros} long as an ISO-8601 instant
 *       ({@code 2026-12-07T10:15:30Z}) or a number;</li>
 *   <li>a union as {@code null} or a value of the first of its other branches that the value fits.</li>
 * </ul>
 *
 * What does not fit is an {@link InvalidJsonException} naming the field, by its path from
 * {@code payload} ({@code payload.lines[2].price}).
 */
public final class PayloadJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private PayloadJson() {
    }

    /**
     * The record {@code json} describes, of {@code schema}, as a GenericRecord.
     *
     * @param path what to call the value in errors, e.g. {@code payload}
     * @throws InvalidJsonException naming the first field that does not fit
     */
    public static GenericRecord read(JsonNode json, Schema schema, String path) {
        if (schema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("a payload is an Avro record, not a " + schema.getType());
        }
        return (GenericRecord) value(json, schema, path);
    }

    /** {@code datum}, an Avro record (generated or generic), as JSON in the mapping above. */
    public static JsonNode write(Object datum) {
        if (!(datum instanceof IndexedRecord record)) {
            throw new IllegalArgumentException("a payload is an Avro record, not a "
                    + (datum == null ? "null" : datum.getClass().getName()));
        }
        return json(record, record.getSchema());
    }

    private static Object value(JsonNode json, Schema schema, String path) {
        switch (schema.getType()) {
            case RECORD:
                return record(json, schema, path);
            case UNION:
                return union(json, schema, path);
            case NULL:
                if (json.isNull()) {
                    return null;
                }
                throw invalid(path, "must be null");
            case STRING:
                if (json.isTextual()) {
                    return json.textValue();
                }
                throw invalid(path, "must be a string");
            case BOOLEAN:
                if (json.isBoolean()) {
                    return json.booleanValue();
                }
                throw invalid(path, "must be true or false");
            case INT:
                if (json.isIntegralNumber() && json.canConvertToInt()) {
                    return json.intValue();
                }
                throw invalid(path, "must be a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE);
            case LONG:
                return longValue(json, schema, path);
            case FLOAT:
                if (json.isNumber()) {
                    return json.floatValue();
                }
                throw invalid(path, "must be a number");
            case DOUBLE:
                if (json.isNumber()) {
                    return json.doubleValue();
                }
                throw invalid(path, "must be a number");
            case ENUM:
                if (json.isTextual() && schema.getEnumSymbols().contains(json.textValue())) {
                    return new GenericData.EnumSymbol(schema, json.textValue());
                }
                throw invalid(path, "must be one of " + schema.getEnumSymbols());
            case BYTES:
                return ByteBuffer.wrap(base64(json, path));
            case FIXED:
                byte[] fixed = base64(json, path);
                if (fixed.length != schema.getFixedSize()) {
                    throw invalid(path, "must be " + schema.getFixedSize() + " bytes, base64, not " + fixed.length);
                }
                return new GenericData.Fixed(schema, fixed);
            case ARRAY:
                if (!json.isArray()) {
                    throw invalid(path, "must be an array");
                }
                List<Object> items = new ArrayList<>(json.size());
                for (int i = 0; i < json.size(); i++) {
                    items.add(value(json.get(i), schema.getElementType(), path + "[" + i + "]"));
                }
                return new GenericData.Array<>(schema, items);
            case MAP:
                if (!json.isObject()) {
                    throw invalid(path, "must be an object");
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = it.next();
                    map.put(entry.getKey(), value(entry.getValue(), schema.getValueType(), path + "." + entry.getKey()));
                }
                return map;
            default:
                throw invalid(path, "has a type JSON cannot give: " + schema.getType());
        }
    }

    private static GenericRecord record(JsonNode json, Schema schema, String path) {
        if (!json.isObject()) {
            throw invalid(path, "must be an object (a " + schema.getName() + ")");
        }
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (schema.getField(name) == null) {
                throw invalid(path + "." + name, "is not a field of " + schema.getName() + ", which has "
                        + schema.getFields().stream().map(Schema.Field::name).toList());
            }
        }
        GenericData.Record record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
            JsonNode value = json.get(field.name());
            if (value == null) {
                if (!field.hasDefaultValue()) {
                    throw invalid(path + "." + field.name(), "is required (a " + describe(field.schema()) + ")");
                }
                record.put(field.pos(), GenericData.get().getDefaultValue(field));
            } else {
                record.put(field.pos(), value(value, field.schema(), path + "." + field.name()));
            }
        }
        return record;
    }

    private static Object union(JsonNode json, Schema schema, String path) {
        if (json.isNull()) {
            if (schema.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL)) {
                return null;
            }
            throw invalid(path, "must not be null");
        }
        InvalidJsonException first = null;
        for (Schema branch : schema.getTypes()) {
            if (branch.getType() == Schema.Type.NULL) {
                continue;
            }
            try {
                return value(json, branch, path);
            } catch (InvalidJsonException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        throw first != null ? first : invalid(path, "fits no branch of " + schema);
    }

    private static long longValue(JsonNode json, Schema schema, String path) {
        boolean timestamp = schema.getLogicalType() instanceof LogicalTypes.TimestampMillis
                || schema.getLogicalType() instanceof LogicalTypes.TimestampMicros;
        if (json.isIntegralNumber() && json.canConvertToLong()) {
            return json.longValue();
        }
        if (timestamp && json.isTextual()) {
            try {
                Instant instant = Instant.parse(json.textValue());
                return schema.getLogicalType() instanceof LogicalTypes.TimestampMillis ? instant.toEpochMilli()
                        : instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
            } catch (DateTimeParseException e) {
                throw invalid(path, "must be an ISO-8601 instant, e.g. 2026-12-31T23:59:59Z, or a number");
            }
        }
        throw invalid(path, timestamp ? "must be an ISO-8601 instant, e.g. 2026-12-31T23:59:59Z, or a number"
                : "must be a whole number");
    }

    private static byte[] base64(JsonNode json, String path) {
        if (json.isTextual()) {
            try {
                return Base64.getDecoder().decode(json.textValue());
            } catch (IllegalArgumentException e) {
                throw invalid(path, "must be base64: " + e.getMessage());
            }
        }
        throw invalid(path, "must be a base64 string");
    }

    private static String describe(Schema schema) {
        return schema.getType() == Schema.Type.RECORD || schema.getType() == Schema.Type.ENUM ? schema.getName()
                : schema.getType() == Schema.Type.UNION ? schema.getTypes().stream()
                        .map(t -> t.getType().getName()).toList().toString()
                : schema.getType().getName();
    }

    private static InvalidJsonException invalid(String path, String message) {
        return new InvalidJsonException(path, path + " " + message);
    }

    private static JsonNode json(Object datum, Schema schema) {
        if (datum == null) {
            return NODES.nullNode();
        }
        switch (schema.getType()) {
            case RECORD:
                IndexedRecord record = (IndexedRecord) datum;
                ObjectNode object = NODES.objectNode();
                for (Schema.Field field : record.getSchema().getFields()) {
                    object.set(field.name(), json(record.get(field.pos()), field.schema()));
                }
                return object;
            case UNION:
                for (Schema branch : schema.getTypes()) {
                    if (fits(datum, branch)) {
                        return json(datum, branch);
                    }
                }
                throw new IllegalArgumentException("a " + datum.getClass().getName() + " fits no branch of " + schema);
            case STRING:
            case ENUM:
                return NODES.textNode(datum.toString());
            case BOOLEAN:
                return NODES.booleanNode((Boolean) datum);
            case INT:
                return NODES.numberNode(((Number) datum).intValue());
            case LONG:
                if (datum instanceof Instant instant) {
                    return NODES.textNode(instant.toString());
                }
                return NODES.numberNode(((Number) datum).longValue());
            case FLOAT:
                return NODES.numberNode(((Number) datum).floatValue());
            case DOUBLE:
                return NODES.numberNode(((Number) datum).doubleValue());
            case BYTES:
                ByteBuffer buffer = ((ByteBuffer) datum).duplicate();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
            case FIXED:
                return NODES.textNode(Base64.getEncoder().encodeToString(((GenericFixed) datum).bytes()));
            case ARRAY:
                ArrayNode array = NODES.arrayNode();
                for (Object item : (Collection<?>) datum) {
                    array.add(json(item, schema.getElementType()));
                }
                return array;
            case MAP:
                ObjectNode map = NODES.objectNode();
                Map<?, ?> entries = datum instanceof Map<?, ?> m ? m : new HashMap<>();
                entries.forEach((k, v) -> map.set(k.toString(), json(v, schema.getValueType())));
                return map;
            default:
                return NODES.textNode(datum instanceof GenericEnumSymbol<?> symbol ? symbol.toString()
                        : String.valueOf(datum));
        }
    }

    /** Whether {@code datum}, in its Java form (generated or generic), is a value of {@code schema}. */
    private static boolean fits(Object datum, Schema schema) {
        return switch (schema.getType()) {
            case RECORD -> datum instanceof IndexedRecord record
                    && record.getSchema().getFullName().equals(schema.getFullName());
            case STRING -> datum instanceof CharSequence;
            case ENUM -> datum instanceof Enum<?> || datum instanceof GenericEnumSymbol<?>;
            case BOOLEAN -> datum instanceof Boolean;
            case INT -> datum instanceof Integer;
            case LONG -> datum instanceof Long || datum instanceof Instant;
            case FLOAT -> datum instanceof Float;
            case DOUBLE -> datum instanceof Double;
            case BYTES -> datum instanceof ByteBuffer;
            case FIXED -> datum instanceof GenericFixed;
            case ARRAY -> datum instanceof Collection<?>;
            case MAP -> datum instanceof Map<?, ?>;
            default -> false;
        };
    }
}
