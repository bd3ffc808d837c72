package dev.sluice.extract;

/** A document that extract cannot turn into text, and why: its job fails at the stage. */
public final class ExtractException extends Exception {

    public ExtractException(String message) {
        super(message);
    }

    public ExtractException(String message, Throwable cause) {
        super(message, cause);
    }
}
