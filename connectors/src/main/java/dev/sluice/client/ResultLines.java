package dev.sluice.client;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.StageTrace;
import dev.sluice.serdes.Result;
import java.util.Locale;
import java.util.stream.Collectors;

/** A job's result as one readable line: what {@code sluice demo}, {@code submit} and {@code results} print. */
public final class ResultLines {

    private ResultLines() {
    }

    /** What came out (chunks, or the error and its stage), the lane it took, and the time of each stage. */
    public static String detail(Result<?> result) {
        if (result.getStatus() != JobStatus.COMPLETED) {
            return "at " + result.getError().getStage() + ": " + result.getError().getMessage();
        }
        Object output = result.getOutput();
        String what;
        if (output instanceof IngestedDocument doc) {
            int dims = doc.getChunks().isEmpty() ? 0 : doc.getChunks().get(0).getEmbedding().size();
            int chars = doc.getChunks().stream().mapToInt(c -> c.getText().length()).sum();
            what = String.format(Locale.ROOT, "%3d chunk%s x %d dims, %6d chars", doc.getChunks().size(), doc.getChunks().size() == 1 ? " " : "s", dims, chars);
        } else if (output instanceof Document document) {
            what = String.format(Locale.ROOT, "document, %6d chars", document.getText().length());
        } else {
            what = output == null ? "no output" : output.getClass().getSimpleName();
        }
        boolean bulk = result.getTrace().stream()
                .anyMatch(t -> t.getNote() != null && t.getNote().startsWith("lane "));
        if (bulk) {
            what = what + ", " + result.getTrace().stream().filter(t -> t.getNote() != null && t.getNote().startsWith("lane "))
                    .findFirst().map(t -> t.getNote()).orElse("");
        }
        String trace = result.getTrace().stream()
                .map(t -> t.getStage() + " " + formatMicros(t))
                .collect(Collectors.joining(", "));
        return trace.isEmpty() ? what : what + "  [" + trace + "]";
    }

    private static String formatMicros(StageTrace t) {
        return String.format(Locale.ROOT, "%.1f ms", t.getDurationMicros() / 1000.0);
    }

}
