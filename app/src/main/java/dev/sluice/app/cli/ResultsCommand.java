package dev.sluice.app.cli;

import dev.sluice.app.runtime.ConfigLoader;
import dev.sluice.app.runtime.SluiceRunner;
import dev.sluice.client.ResultLines;
import dev.sluice.schemas.JobResult;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SchemaRegistryUnavailableException;
import dev.sluice.serdes.SluiceTopics;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice results}: the results topic, one readable line per result, as results come. */
@Command(name = "results",
        mixinStandardHelpOptions = true,
        header = "Print results as they arrive on <prefix>.results, one line each.",
        description = {
            "",
            "Reads committed results only (isolation.level=read_committed), from now on unless --from-beginning,"
                    + " until Ctrl-C, --max results or --timeout. Each line: when the result was written, the status,"
                    + " the job id, and what came out (chunks, or the stage and error) with the time of each stage.",
            ""
        })
final class ResultsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    DeploymentOption deployment;

    @Option(names = "--from-beginning", description = "Start with the oldest result the topic holds.")
    boolean fromBeginning;

    @Option(names = {"-n", "--max"}, paramLabel = "N", description = "Stop after N results.")
    Integer max;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Stop after this long.")
    Integer timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        ConfigLoader.Loaded loaded = deployment.load();
        SluiceTopics topics = SluiceTopics.create(loaded.config().topicPrefix(),
                AvroSerdes.forUrl(loaded.config().registryUrl()));
        Map<String, Object> settings = new HashMap<>(SluiceRunner.adminConfig(loaded.config().streamsProperties()));
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-results");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long deadline = timeoutSeconds == null ? Long.MAX_VALUE : System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        int printed = 0;
        @SuppressWarnings("unchecked")
        PayloadType<Object> output = (PayloadType<Object>) loaded.pipeline().output();
        Deserializer<Object> outputs = topics.payloadSerde(output).deserializer();
        try (KafkaConsumer<String, JobResult> consumer = new KafkaConsumer<>(settings,
                topics.results().keySerde().deserializer(), topics.results().valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.results().name(), Duration.ofSeconds(30))
                    .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
                partitions.forEach(consumer::position);
            }
            err.printf("reading %s (%s); Ctrl-C stops%n", topics.results().name(), fromBeginning ? "from the beginning"
                    : "new results");
            err.flush();
            while ((max == null || printed < max) && System.nanoTime() < deadline) {
                try {
                    for (ConsumerRecord<String, JobResult> record : consumer.poll(Duration.ofMillis(200))) {
                        if (record.value() == null) {
                            continue;
                        }
                        JobResult result = record.value();
                        String detail;
                        try {
                            detail = ResultLines.detail(Result.of(result, output, outputs, record.topic()));
                        } catch (SerializationException e) {
                            detail = "output not readable: " + e.getMessage();
                        }
                        out.printf("%s  %-9s  %-36s  %s%n", Instant.ofEpochMilli(record.timestamp()), result.getStatus(),
                                result.getJobId(), detail);
                        out.flush();
                        if (max != null && ++printed >= max) {
                            break;
                        }
                    }
                } catch (RecordDeserializationException e) {
                    if (SchemaRegistryUnavailableException.isCauseOf(e)) {
                        err.printf("waiting for the schema registry to read the result at %s offset %d: %s%n",
                                e.topicPartition(), e.offset(), e.getCause().getMessage());
                        err.flush();
                        consumer.seek(e.topicPartition(), e.offset());
                        Thread.sleep(1_000);
                        continue;
                    }
                    err.printf("unreadable result at %s offset %d: %s%n", e.topicPartition(), e.offset(),
                            e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
                    err.flush();
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                }
            }
        }
        return 0;
    }
}
