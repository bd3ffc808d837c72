package dev.sluice.topology.internal;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.Task;
import java.time.Duration;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a job must be for the stages to take it: a payload no larger than the limit (a job written
 * before payloads: a document whose text is no larger), no task of a type that no stage reads
 * ({@code taskTypes}: those the stages read), and an id not accepted within {@code duplicateWindow}
 * before (null: not checked). The pass-through mode checks nothing beyond a readable job with an id.
 */
public record IntakeRules(boolean checkDocument, int maxDocumentBytes, SortedSet<String> taskTypes,
                          Duration duplicateWindow) {

    /** Rules that let every readable job with an id through. */
    public static IntakeRules none() {
        return new IntakeRules(false, Integer.MAX_VALUE, new TreeSet<>(), null);
    }

    /** Returns why the job cannot run, or {@code null} if it can. */
    String check(Job job) {
        if (!checkDocument) {
            return null;
        }
        if (job.getPayload() != null) {
            int bytes = job.getPayload().remaining();
            if (bytes > maxDocumentBytes) {
                return "the job's payload is over the size limit: " + bytes + " bytes, more than " + maxDocumentBytes
                        + " (limits.document.max.bytes); split it before submitting or raise the limit";
            }
        } else if (utf8Length(job.getDocument().getText(), maxDocumentBytes) > maxDocumentBytes) {
            Document document = job.getDocument();
            return "document '" + document.getId() + "' is over the size limit: more than " + maxDocumentBytes
                    + " bytes of text (limits.document.max.bytes); split it before submitting or raise the limit";
        }
        for (Task task : job.getTasks()) {
            if (!taskTypes.contains(task.getType())) {
                return "the job has a task of type '" + task.getType() + "' that no stage of this pipeline reads; "
                        + (taskTypes.isEmpty() ? "its stages read no tasks"
                                : "its stages read tasks of type " + String.join(", ", taskTypes));
            }
        }
        return null;
    }

    /** The UTF-8 length of {@code s}, counting no further than just past {@code stopAbove}. */
    static long utf8Length(CharSequence s, long stopAbove) {
        long bytes = 0;
        for (int i = 0, n = s.length(); i < n && bytes <= stopAbove; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
