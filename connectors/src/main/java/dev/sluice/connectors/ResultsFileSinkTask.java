package dev.sluice.connectors;

import dev.sluice.client.ResultJson;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobResult;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.InMemorySchemaRegistry;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.internal.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Appends each result as a JSON line, a batch in one write; syncs the file before the worker commits offsets. */
public final class ResultsFileSinkTask extends SinkTask {

    private static final Logger log = LoggerFactory.getLogger(ResultsFileSinkTask.class);

    private FileChannel channel;
    private Deserializer<JobResult> deserializer;
    private Deserializer<Object> outputs;
    private ErrantRecordReporter errant;
    private String file;

    @Override
    public String version() {
        return Versions.SLUICE;
    }

    @Override
    public void start(Map<String, String> props) {
        ResultsFileSinkConfig config = new ResultsFileSinkConfig(props);
        file = config.file().toString();
        AvroSerdes serdes = AvroSerdes.forUrl(config.registryUrl());
        if (serdes.registry() instanceof InMemorySchemaRegistry registry) {
            // an in-memory registry resolves only the ids this process registered; ids derive from the schema,
            // so registering JobResult here gives the id the pipeline's process wrote, and the built-in
            // pipeline's outputs likewise (a registry of the embedded default serves no other pipeline's): an
            // IngestedDocument, or in pass-through mode the job's Document, registered here under a subject of
            // this sink's own
            for (String topic : props.getOrDefault("topics", "").split(",")) {
                if (!topic.isBlank()) {
                    registry.register(topic.trim() + "-value", JobResult.getClassSchema());
                    registry.register(WireFormat.payloadSubject(topic.trim()), IngestedDocument.getClassSchema());
                }
            }
            registry.register("sluice-results-file-sink.documents", Document.getClassSchema());
        }
        deserializer = serdes.valueSerde(JobResult.class).deserializer();
        outputs = serdes.payloadSerde(PayloadType.any()).deserializer();
        try {
            channel = FileChannel.open(config.file(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new ConnectException("cannot open " + file + " to append results: " + e.getMessage(), e);
        }
        errant = context.errantRecordReporter();
        log.info("appending results to {}", file);
    }

    /**
     * Appends the batch's results in one write of whole lines, so that a reader of the file (tail -f, a
     * test) does not find a line cut where a buffer happened to end.
     */
    @Override
    public void put(Collection<SinkRecord> records) {
        StringBuilder lines = new StringBuilder();
        for (SinkRecord record : records) {
            Result<Object> result;
            try {
                if (!(record.value() instanceof byte[] bytes)) {
                    throw new DataException("the value is " + (record.value() == null ? "null" : "a "
                            + record.value().getClass().getSimpleName()) + ", not bytes: set value.converter to"
                            + " org.apache.kafka.connect.converters.ByteArrayConverter");
                }
                result = Result.of(deserializer.deserialize(record.topic(), bytes), PayloadType.any(), outputs,
                        record.topic());
            } catch (RuntimeException e) {
                String where = record.topic() + "-" + record.kafkaPartition() + "@" + record.kafkaOffset();
                if (errant == null) { // the batch fails whole, and comes again after the task restarts
                    throw new DataException("the record at " + where + " is not a readable JobResult: "
                            + e.getMessage(), e);
                }
                log.warn("the record at {} is not a readable JobResult, reported: {}", where, e.getMessage());
                errant.report(record, e);
                continue;
            }
            lines.append(ResultJson.of(result)).append('\n');
        }
        append(lines);
    }

    private void append(CharSequence lines) {
        if (lines.length() == 0) {
            return;
        }
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(lines));
        try {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } catch (IOException e) {
            throw new ConnectException("cannot append to " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void flush(Map<TopicPartition, OffsetAndMetadata> offsets) {
        try {
            channel.force(false);
        } catch (IOException e) {
            throw new ConnectException("cannot flush " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.warn("closing {}", file, e);
            }
        }
    }
}
