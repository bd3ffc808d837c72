package dev.sluice.connectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.serdes.AvroSerdes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The results sink's task on its own: a line per result, and what it does with a record that is not one. */
class ResultsFileSinkTaskTest {

    private static final String TOPIC = "s.results";

    @TempDir
    Path dir;

    private final List<SinkRecord> reported = new ArrayList<>();

    private ResultsFileSinkTask start(String registry, boolean withReporter) {
        Map<String, String> props = Map.of(ResultsFileSinkConfig.FILE_CONFIG, dir.resolve("out.jsonl").toString(),
                ResultsFileSinkConfig.REGISTRY_URL_CONFIG, registry, "topics", TOPIC);
        ResultsFileSinkTask task = new ResultsFileSinkTask();
        task.initialize(new SinkTaskContext() {
            @Override
            public Map<String, String> configs() {
                return props;
            }

            @Override
            public void offset(Map<TopicPartition, Long> offsets) {
            }

            @Override
            public void offset(TopicPartition tp, long offset) {
            }

            @Override
            public void timeout(long timeoutMs) {
            }

            @Override
            public Set<TopicPartition> assignment() {
                return Set.of();
            }

            @Override
            public void pause(TopicPartition... partitions) {
            }

            @Override
            public void resume(TopicPartition... partitions) {
            }

            @Override
            public void requestCommit() {
            }

            @Override
            public ErrantRecordReporter errantRecordReporter() {
                return withReporter ? (record, error) -> {
                    reported.add(record);
                    return CompletableFuture.completedFuture(null);
                } : null;
            }

            @Override
            public PluginMetrics pluginMetrics() {
                return null;
            }
        });
        task.start(props);
        return task;
    }

    private static SinkRecord record(long offset, Object value) {
        return new SinkRecord(TOPIC, 0, Schema.STRING_SCHEMA, "k", Schema.OPTIONAL_BYTES_SCHEMA, value, offset);
    }

    private static byte[] result(String registry, String jobId) {
        JobResult result = JobResult.newBuilder().setJobId(jobId).setStatus(JobStatus.COMPLETED)
                .setCompletedAt(Instant.parse("2026-12-02T10:00:00Z")).build();
        return AvroSerdes.forUrl(registry).valueSerde(JobResult.class).serializer().serialize(TOPIC, result);
    }

    @Test
    void shouldAppendEachResultAsAJsonLineAndReportWhatIsNotOne() throws Exception {
        String registry = "mem://results-sink-test";
        ResultsFileSinkTask task = start(registry, true);
        task.put(List.of(record(0, result(registry, "one")), record(1, "not a result".getBytes(StandardCharsets.UTF_8)),
                record(2, result(registry, "two"))));
        task.flush(new HashMap<>());
        task.stop();

        List<String> lines = Files.readAllLines(dir.resolve("out.jsonl"));
        assertThat(lines).hasSize(2);
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertThat(first.path("jobId").asText()).isEqualTo("one");
        assertThat(first.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(reported).extracting(SinkRecord::kafkaOffset).containsExactly(1L);
    }

    @Test
    void shouldStopNamingTheRecordWhenTheWorkerHasNoErrorHandling() {
        ResultsFileSinkTask task = start("mem://results-sink-test-2", false);
        assertThatThrownBy(() -> task.put(List.of(record(7, "not a result".getBytes(StandardCharsets.UTF_8)))))
                .isInstanceOf(DataException.class).hasMessageContaining("s.results-0@7")
                .hasMessageContaining("not a readable JobResult");
        assertThatThrownBy(() -> task.put(List.of(record(8, "a string, not bytes"))))
                .isInstanceOf(DataException.class).hasMessageContaining("ByteArrayConverter");
        task.stop();
    }
}
