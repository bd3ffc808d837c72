package dev.sluice.topology.internal;

/**
 * Whether a result is small enough for the producer to send: a send over {@code max.request.size}
 * would fail, which under exactly_once_v2 leaves the transaction unusable and kills the stream thread.
 * The intake's pass-through copies and the collector's results are checked alike.
 */
final class ResultSize {

    /** Room for the record batch's and the record's own headers, generously. */
    private static final int RECORD_OVERHEAD_BYTES = 512;

    private ResultSize() {
    }

    /** Whether a result of {@code bytes}, keyed by {@code jobId}, fits in {@code maxRequestBytes}. */
    static boolean fits(byte[] bytes, String jobId, int maxRequestBytes) {
        return bytes.length + jobId.length() * 3 + RECORD_OVERHEAD_BYTES <= maxRequestBytes;
    }
}
