package dev.sluice.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DlqCommandTest {

    private static DlqCommand.DeadLetter dead(Map<String, String> headers) {
        return new DlqCommand.DeadLetter("sluice.dlq", 1, 7, Instant.parse("2026-11-25T12:00:00Z"),
                "job-9".getBytes(StandardCharsets.UTF_8), new byte[] {0, 1}, headers);
    }

    @Test
    void shouldShowADeadLetterOnOneLineWithWhereItsRecordWasRead() {
        DlqCommand.DeadLetter dead = dead(Map.of("__streams.errors.exception", "InvalidJob",
                "__streams.errors.message", "document 'd' is empty", "sluice.error.stage", "intake",
                "sluice.job.id", "job-9", "__streams.errors.topic", "sluice.jobs", "__streams.errors.partition", "2",
                "__streams.errors.offset", "40"));
        assertThat(dead.isOriginal()).isTrue();
        assertThat(dead.line()).isEqualTo("sluice.dlq-1@7  2026-11-25T12:00:00Z  job job-9  stage intake"
                + "  InvalidJob: document 'd' is empty  from sluice.jobs-2@40");
    }

    @Test
    void shouldTellAPartOfAJobFromAnOriginalRecordAndShortenALongMessage() {
        DlqCommand.DeadLetter part = dead(Map.of("__streams.errors.exception", "LatePart",
                "__streams.errors.message", "x".repeat(300), "sluice.error.stage", "assemble"));
        assertThat(part.isOriginal()).as("no source position: a part, which cannot be replayed").isFalse();
        assertThat(part.jobId()).as("from the key when the header is missing").isEqualTo("job-9");
        assertThat(part.line()).contains("LatePart: " + "x".repeat(197) + "...  from a part of the job");
    }
}
