package dev.sluice.testkit;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A record read from the dead-letter topic: the original key and value and the error headers. */
public record DeadLetter(byte[] key, byte[] value, Map<String, String> headers) {

    /** The original key as UTF-8 text, or null. */
    public String keyAsString() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    /** The value of one header, or null. */
    public String header(String name) {
        return headers.get(name);
    }

    /** The stage named in the headers. */
    public String stage() {
        return header("sluice.error.stage");
    }

    /** The error message in the headers. */
    public String message() {
        return header("__streams.errors.message");
    }
}
