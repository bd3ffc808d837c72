package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.schemas.JobStatus;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.stages.BuiltinStages;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The driver runs with the settings {@code sluice run} would have, checked the same way. */
class DriverSettingsTest {

    @Test
    void shouldTakeSluiceSettingsAsSluiceRunDoes() {
        try (var kept = PipelineTestDriver.of(BuiltinStages.ingest());
             var notKept = PipelineTestDriver.builder(BuiltinStages.ingest())
                     .setting(SluiceConfig.STATUS_RETENTION_CONFIG, 0).build()) {
            String one = kept.submit("doc", "Settings reach the topology. ".repeat(10));
            String two = notKept.submit("doc", "Settings reach the topology. ".repeat(10));
            assertThat(kept.result(one).getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(notKept.result(two).getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(kept.status(one)).isPresent();
            assertThat(notKept.status(two)).as("status.retention.ms 0 leaves the status store out").isEmpty();
        }
    }

    @Test
    void shouldSendNoEventsAndKeepNoStatusesWithEventsOff() {
        try (var quiet = PipelineTestDriver.builder(BuiltinStages.ingest())
                .setting(SluiceConfig.EVENTS_ENABLED_CONFIG, false).build()) {
            String id = quiet.submit("doc", "Only the result matters here. ".repeat(60));
            assertThat(quiet.result(id).getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(quiet.result(id).getTrace()).as("the result still has its trace").isNotEmpty();
            assertThat(quiet.events()).isEmpty();
            assertThat(quiet.status(id)).isEmpty();
        }
        assertThatThrownBy(() -> PipelineTestDriver.builder(BuiltinStages.ingest())
                .setting(SluiceConfig.EVENTS_ENABLED_CONFIG, false).setting(SluiceConfig.STATUS_RETENTION_CONFIG, 60_000)
                .build()).isInstanceOf(ConfigException.class).hasMessageContaining(SluiceConfig.STATUS_RETENTION_CONFIG)
                .hasMessageContaining(SluiceConfig.EVENTS_ENABLED_CONFIG);
    }

    @Test
    void shouldRefuseAnUnknownOrInvalidSettingNamingTheKey() {
        assertThatThrownBy(() -> PipelineTestDriver.builder(BuiltinStages.ingest()).setting("limits.nope", 1).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("limits.nope");
        assertThatThrownBy(() -> PipelineTestDriver.builder(BuiltinStages.ingest())
                .setting(SluiceConfig.DOCUMENT_MAX_BYTES_CONFIG, "lots").build())
                .isInstanceOf(ConfigException.class).hasMessageContaining(SluiceConfig.DOCUMENT_MAX_BYTES_CONFIG);
        assertThatThrownBy(() -> PipelineTestDriver.builder(BuiltinStages.ingest()).kafka("no.such.setting", 1).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.no.such.setting");
    }
}
