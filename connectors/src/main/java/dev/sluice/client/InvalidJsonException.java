package dev.sluice.client;

/**
 * JSON that does not make a job or a payload: the field at fault, by its path ({@code jobId},
 * {@code tasks[0].type}, {@code payload.lines[2].price}; null for the whole), and why.
 */
public final class InvalidJsonException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;

    InvalidJsonException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The field at fault, e.g. {@code payload.lines[2].price}; null for the whole. */
    public String field() {
        return field;
    }
}
