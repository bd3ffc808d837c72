package dev.sluice.topology.internal;

import dev.sluice.schemas.StageTrace;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The trace of the stages a job passed before a branch sent it to a lane, carried in header
 * {@code sluice.trace} as {@code stage:startedAtMillis:micros[:note],...} (the note URL-encoded), so the
 * job's result still shows them.
 */
final class LaneHeaders {

    static final String TRACE = "sluice.trace";

    private LaneHeaders() {
    }

    static Headers of(List<StageTrace> trace) {
        StringBuilder sb = new StringBuilder();
        for (StageTrace entry : trace) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(entry.getStage()).append(':').append(entry.getStartedAt().toEpochMilli()).append(':')
                    .append(entry.getDurationMicros());
            if (entry.getNote() != null) {
                sb.append(':').append(URLEncoder.encode(entry.getNote(), StandardCharsets.UTF_8));
            }
        }
        RecordHeaders headers = new RecordHeaders();
        headers.add(TRACE, sb.toString().getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    /** The trace in {@code headers}, or an empty one when there is none or it cannot be read. */
    static List<StageTrace> trace(Headers headers) {
        Header header = headers == null ? null : headers.lastHeader(TRACE);
        List<StageTrace> trace = new ArrayList<>();
        if (header == null || header.value() == null) {
            return trace;
        }
        for (String entry : new String(header.value(), StandardCharsets.UTF_8).split(",")) {
            String[] parts = entry.split(":");
            if (parts.length == 3 || parts.length == 4) {
                try {
                    trace.add(StageTrace.newBuilder().setStage(parts[0])
                            .setStartedAt(Instant.ofEpochMilli(Long.parseLong(parts[1])))
                            .setDurationMicros(Long.parseLong(parts[2]))
                            .setNote(parts.length == 4 ? URLDecoder.decode(parts[3], StandardCharsets.UTF_8) : null)
                            .build());
                } catch (NumberFormatException e) {
                    // a trace written by someone else: the job runs without it
                }
            }
        }
        return trace;
    }
}
