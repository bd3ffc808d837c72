package dev.sluice.app;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.JobResult;
import dev.sluice.serdes.InMemorySchemaRegistry;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.serdes.internal.WireFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/** What a read_committed consumer finds on a results topic: every result, by job id. */
public final class CommittedResults {

    private CommittedResults() {
    }

    /**
     * Lets the in-memory registry {@code scope} of this JVM read the results that a Sluice in another
     * JVM wrote: its ids derive from the schemas' text, so registering the schemas here gives the ids
     * written there. The results, and the built-in payloads (a Document, an IngestedDocument).
     */
    public static void knowSluiceSchemas(String scope, SluiceTopics topics) {
        InMemorySchemaRegistry registry = InMemorySchemaRegistry.scope(scope);
        registry.register(topics.results().name() + "-value", JobResult.getClassSchema());
        registry.register(WireFormat.payloadSubject(topics.jobs().name()), Document.getClassSchema());
        registry.register(WireFormat.payloadSubject(topics.results().name()), IngestedDocument.getClassSchema());
    }

    /**
     * Reads the results topic from the beginning until results for {@code expectedJobs} distinct jobs
     * have arrived (or {@code timeout} passed), then on to the end of what is committed, so that a
     * duplicate committed by then is seen too.
     */
    public static Map<String, List<Result<Object>>> read(String bootstrap, SluiceTopics topics, int expectedJobs, Duration timeout) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, List<Result<Object>>> results = new HashMap<>();
        try (KafkaConsumer<String, JobResult> consumer = new KafkaConsumer<>(config,
                topics.results().keySerde().deserializer(), topics.results().valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.results().name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            Deserializer<Object> outputs = topics.payloadSerde(PayloadType.any()).deserializer();
            while (results.size() < expectedJobs && System.nanoTime() < deadline) {
                poll(consumer, outputs, results);
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                poll(consumer, outputs, results);
            }
        }
        return results;
    }

    private static void poll(KafkaConsumer<String, JobResult> consumer, Deserializer<Object> outputs,
                             Map<String, List<Result<Object>>> results) {
        for (ConsumerRecord<String, JobResult> record : consumer.poll(Duration.ofMillis(200))) {
            if (!record.key().equals(record.value().getJobId())) {
                throw new AssertionError("result of " + record.value().getJobId() + " keyed " + record.key());
            }
            results.computeIfAbsent(record.value().getJobId(), k -> new ArrayList<>())
                    .add(Result.of(record.value(), PayloadType.any(), outputs, record.topic()));
        }
    }
}
