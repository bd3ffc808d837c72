package dev.sluice.connectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.PayloadType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directory source's task on its own: what it takes, in which order, and where a restart goes on. */
class DirectorySourceTaskTest {

    private static final String REGISTRY = "mem://directory-source-test";

    @TempDir
    Path inbox;

    /** The offsets a worker would have committed: each record's, by its partition. */
    private final Map<Map<String, ?>, Map<String, Object>> committed = new HashMap<>();
    private final List<DirectorySourceTask> tasks = new ArrayList<>();

    @AfterEach
    void stopTasks() {
        tasks.forEach(DirectorySourceTask::stop);
    }

    private DirectorySourceTask start(Map<String, String> extra) {
        Map<String, String> props = new HashMap<>(Map.of(DirectorySourceConfig.DIRECTORY_CONFIG, inbox.toString(),
                DirectorySourceConfig.REGISTRY_URL_CONFIG, REGISTRY, DirectorySourceConfig.TOPICS_PREFIX_CONFIG, "t",
                DirectorySourceConfig.POLL_INTERVAL_CONFIG, "10"));
        props.putAll(extra);
        DirectorySourceTask task = new DirectorySourceTask();
        task.initialize(new SourceTaskContext() {
            @Override
            public Map<String, String> configs() {
                return props;
            }

            @Override
            public OffsetStorageReader offsetStorageReader() {
                return new OffsetStorageReader() {
                    @Override
                    public <T> Map<String, Object> offset(Map<String, T> partition) {
                        return committed.get(partition);
                    }

                    @Override
                    public <T> Map<Map<String, T>, Map<String, Object>> offsets(Collection<Map<String, T>> partitions) {
                        Map<Map<String, T>, Map<String, Object>> offsets = new HashMap<>();
                        partitions.forEach(p -> offsets.put(p, committed.get(p)));
                        return offsets;
                    }
                };
            }

            @Override
            public PluginMetrics pluginMetrics() {
                return null;
            }
        });
        task.start(props);
        tasks.add(task);
        return task;
    }

    /** Polls until a poll gives nothing new after a look at the directory; commits each record's offset. */
    private List<SourceRecord> drain(DirectorySourceTask task) throws InterruptedException {
        List<SourceRecord> all = new ArrayList<>();
        int idle = 0;
        while (idle < 3) {
            List<SourceRecord> records = task.poll();
            if (records == null) {
                idle++;
                continue;
            }
            idle = 0;
            for (SourceRecord record : records) {
                all.add(record);
                committed.put(record.sourcePartition(), new HashMap<>(record.sourceOffset()));
            }
        }
        return all;
    }

    private void write(String name, String text) throws Exception {
        Path file = inbox.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static Job job(SourceRecord record) {
        return AvroSerdes.forUrl(REGISTRY).valueSerde(Job.class).deserializer().deserialize(record.topic(),
                (byte[]) record.value());
    }

    /** The document a job carries as its payload. */
    private static Document document(Job job) {
        byte[] payload = new byte[job.getPayload().remaining()];
        job.getPayload().duplicate().get(payload);
        return AvroSerdes.forUrl(REGISTRY).payloadSerde(PayloadType.of(Document.class)).deserializer()
                .deserialize("t.jobs", payload);
    }

    @Test
    void shouldTakeEachFileInPathOrderAndEachJsonLinePassingOverHiddenFilesAndOtherExtensions() throws Exception {
        write("b.md", "# Bee");
        write("a.txt", "Ay");
        write("sub/c.txt", "See");
        write(".hidden.txt", "not taken");
        write(".tmp/d.txt", "not taken either");
        write("e.pdf", "not an extension taken");
        write("f.jsonl", "{\"jobId\": \"f1\", \"document\": {\"text\": \"one\"}, \"attributes\": {\"k\": \"v\"}}\n\n"
                + "{\"document\": {\"text\": \"two\"}}\n");

        List<SourceRecord> records = drain(start(Map.of()));

        assertThat(records).extracting(SourceRecord::topic).containsOnly("t.jobs");
        assertThat(records).extracting(r -> (String) r.key()).containsExactly("a.txt", "b.md", "f1", "f.jsonl:3", "sub/c.txt");
        Job markdown = job(records.get(1));
        assertThat(document(markdown).getText()).isEqualTo("# Bee");
        assertThat(document(markdown).getContentType()).isEqualTo("text/markdown");
        assertThat(document(job(records.get(3))).getId()).as("a line's document id is its job's").isEqualTo("f.jsonl:3");
        assertThat(markdown.getAttributes()).containsEntry("source.file", "b.md");
        Job line = job(records.get(2));
        assertThat(line.getAttributes()).containsEntry("k", "v").containsEntry("source.line", "1");
        assertThat(records.get(3).sourceOffset()).isEqualTo(Map.of("line", 3L));
        assertThat(records.get(4).sourcePartition()).isEqualTo(Map.of("directory", inbox.toAbsolutePath().normalize()
                .toString(), "file", "sub/c.txt"));
    }

    @Test
    void shouldGoOnFromTheCommittedOffsetsNeitherRepeatingNorSkipping() throws Exception {
        write("a.txt", "Ay");
        write("lines.jsonl", "{\"document\": {\"text\": \"one\"}}\n{\"document\": {\"text\": \"two\"}}\n"
                + "{\"document\": {\"text\": \"three\"}}\n");
        DirectorySourceTask first = start(Map.of(DirectorySourceConfig.BATCH_SIZE_CONFIG, "2"));
        List<SourceRecord> before = first.poll(); // a.txt and the first line: lines.jsonl is left half read
        before.forEach(r -> committed.put(r.sourcePartition(), new HashMap<>(r.sourceOffset())));
        first.stop();
        assertThat(before).extracting(r -> (String) r.key()).containsExactly("a.txt", "lines.jsonl:1");

        write("0.txt", "Came while stopped, first in order");
        List<SourceRecord> after = drain(start(Map.of()));

        assertThat(after).extracting(r -> (String) r.key()).containsExactly("0.txt", "lines.jsonl:2", "lines.jsonl:3");
    }

    @Test
    void shouldSendWhatCannotBeAJobToTheDeadLetterTopicSayingWhereAndWhy() throws Exception {
        write("bad.jsonl", "{\"document\": {}}\nnot json\n{\"document\": {\"text\": \"" + "x".repeat(200) + "\"}}\n");
        Files.write(inbox.resolve("binary.txt"), new byte[] {(byte) 0xff, (byte) 0xfe, 0});
        write("big.txt", "y".repeat(300));

        List<SourceRecord> records = drain(start(Map.of(DirectorySourceConfig.MAX_FILE_BYTES_CONFIG, "100")));

        assertThat(records).extracting(SourceRecord::topic).containsOnly("t.dlq");
        assertThat(records).extracting(r -> r.headers().lastWithName("__streams.errors.exception").value())
                .containsExactly("InvalidJob", "InvalidJob", "LineTooLarge",
                        "FileTooLarge", "NotUtf8Text");
        assertThat(records.get(0).headers().lastWithName("__streams.errors.message").value().toString())
                .isEqualTo("bad.jsonl:1: document.text is required");
        assertThat(records.get(1).value()).isEqualTo("not json".getBytes(StandardCharsets.UTF_8));
        assertThat(records.get(2).value()).isNull();
        assertThat(records.get(3).headers().lastWithName("sluice.source.file").value().toString())
                .endsWith("big.txt");
        assertThat(records.get(4).value()).isEqualTo(new byte[] {(byte) 0xff, (byte) 0xfe, 0});
    }

    @Test
    void shouldRefuseADirectoryThatIsNotThereNamingTheKey() {
        assertThatThrownBy(() -> new DirectorySourceConfig(Map.of(DirectorySourceConfig.DIRECTORY_CONFIG,
                inbox.resolve("absent").toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("directory").hasMessageContaining("not a readable directory");
        assertThatThrownBy(() -> new DirectorySourceConfig(Map.of(DirectorySourceConfig.DIRECTORY_CONFIG,
                inbox.toString(), DirectorySourceConfig.EXTENSIONS_CONFIG, ".txt")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("file.extensions");
    }
}
