package dev.sluice.app.cli;

import dev.sluice.app.runtime.ConfigLoader;
import dev.sluice.app.runtime.SluiceRunner;
import dev.sluice.topology.SluiceTopology;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice dlq}: read the dead-letter topic, and send chosen dead letters back to the source topic. */
@Command(name = "dlq",
        mixinStandardHelpOptions = true,
        header = "List the dead letters, or replay chosen ones to the source topic.",
        description = {
            "",
            "Reads <prefix>.dlq (read_committed) with the settings `run` uses (file, then SLUICE_* environment"
                    + " variables). Each dead letter is named <topic>-<partition>@<offset>.",
            ""
        },
        subcommands = {DlqCommand.ListCommand.class, DlqCommand.ReplayCommand.class})
final class DlqCommand {

    /** The header a replayed record carries: the dead letter it came from. */
    static final String REPLAYED_FROM = SluiceTopology.REPLAYED_FROM_HEADER;

    /** One dead letter, as read from the topic. */
    record DeadLetter(String topic, int partition, long offset, Instant timestamp, byte[] key, byte[] value,
                      Map<String, String> headers) {

        String name() {
            return topic + "-" + partition + "@" + offset;
        }

        String header(String name) {
            return headers.get(name);
        }

        String jobId() {
            String id = header("sluice.job.id");
            return id != null ? id : key == null ? "" : new String(key, StandardCharsets.UTF_8);
        }

        /** Whether the value is a job's original record (it names where it was read), not a part of a job. */
        boolean isOriginal() {
            return header("__streams.errors.topic") != null;
        }

        /** One line for a person: where, when, the job, the stage, the error, and where it was read. */
        String line() {
            String message = header("__streams.errors.message");
            if (message != null && message.length() > 200) {
                message = message.substring(0, 197) + "...";
            }
            String from = isOriginal() ? header("__streams.errors.topic") + "-" + header("__streams.errors.partition")
                    + "@" + header("__streams.errors.offset") : "a part of the job";
            return name() + "  " + timestamp + "  job " + (jobId().isEmpty() ? "(none)" : jobId()) + "  stage "
                    + header("sluice.error.stage") + "  " + header("__streams.errors.exception") + ": " + message
                    + "  from " + from;
        }
    }

    /** Where to find the cluster and the topics. */
    static final class Settings {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "The pipeline's configuration, for kafka.bootstrap.servers, the security settings and"
                        + " topics.prefix.")
        Path config;

        @Option(names = "--job", paramLabel = "ID", split = ",", description = "Only dead letters of these job ids.")
        List<String> jobs = List.of();

        @Option(names = "--error", paramLabel = "CLASS", split = ",",
                description = "Only dead letters with these error classes (__streams.errors.exception), e.g."
                        + " InvalidJob, java.io.IOException.")
        List<String> errors = List.of();

        @Option(names = "--stage", paramLabel = "STAGE", split = ",", description = "Only dead letters of these stages.")
        List<String> stages = List.of();

        Predicate<DeadLetter> filter() {
            return d -> (jobs.isEmpty() || jobs.contains(d.jobId()))
                    && (errors.isEmpty() || errors.contains(d.header("__streams.errors.exception")))
                    && (stages.isEmpty() || stages.contains(d.header("sluice.error.stage")));
        }

        ConfigLoader.Loaded load() throws IOException {
            return ConfigLoader.load(config, System.getenv(), Map.of());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            header = "Print the dead letters, one per line, oldest first in each partition.")
    static final class ListCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Settings settings;

        @Override
        public Integer call() throws Exception {
            ConfigLoader.Loaded loaded = settings.load();
            PrintWriter out = spec.commandLine().getOut();
            int n = 0;
            for (DeadLetter dead : read(loaded, settings.filter())) {
                out.println(dead.line());
                n++;
            }
            out.println(n + " dead letter" + (n == 1 ? "" : "s") + " in " + loaded.config().topicPrefix() + ".dlq");
            out.flush();
            return 0;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            header = "Send chosen dead letters' original records back to the source topic, to run again.",
            description = {
                "",
                "Choose with --offset, --job, --error, --stage (all given must match), or --all. Each record goes"
                        + " to <prefix>.jobs with its original key and value and a header " + REPLAYED_FROM
                        + " naming the dead letter; its job runs again, even if its id was accepted within"
                        + " limits.duplicate.window.ms, and gets a new result. A dead letter that holds a part of"
                        + " a job rather than its original record is skipped.",
                ""
            })
    static final class ReplayCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Settings settings;

        @Option(names = "--offset", paramLabel = "PARTITION@OFFSET", split = ",",
                description = "Only these dead letters, e.g. 0@12 for <prefix>.dlq-0@12.")
        List<String> offsets = List.of();

        @Option(names = "--all", description = "Every dead letter that the other options let through.")
        boolean all;

        @Override
        public Integer call() throws Exception {
            if (!all && offsets.isEmpty() && settings.jobs.isEmpty() && settings.errors.isEmpty()
                    && settings.stages.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "choose the dead letters to replay: --offset, --job, --error, --stage, or --all");
            }
            Set<String> wanted = Set.copyOf(offsets);
            ConfigLoader.Loaded loaded = settings.load();
            Predicate<DeadLetter> filter = settings.filter()
                    .and(d -> wanted.isEmpty() || wanted.contains(d.partition() + "@" + d.offset()));
            List<DeadLetter> chosen = read(loaded, filter);
            String source = loaded.config().topicPrefix() + ".jobs";
            PrintWriter out = spec.commandLine().getOut();
            int replayed = 0;
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(loaded),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                for (DeadLetter dead : chosen) {
                    if (!dead.isOriginal() || dead.value() == null) {
                        out.println("skipped " + dead.name() + " (job " + dead.jobId() + ", "
                                + dead.header("__streams.errors.exception") + "): it holds a part of the job, not the"
                                + " job's original record");
                        continue;
                    }
                    RecordHeaders headers = new RecordHeaders();
                    headers.add(REPLAYED_FROM, dead.name().getBytes(StandardCharsets.UTF_8));
                    var metadata = producer.send(new ProducerRecord<>(source, null, dead.key(), dead.value(), headers))
                            .get();
                    out.println("replayed " + dead.name() + " (job " + dead.jobId() + ") to " + metadata.topic() + "-"
                            + metadata.partition() + "@" + metadata.offset());
                    replayed++;
                }
            }
            out.println(replayed + " of " + chosen.size() + " chosen dead letter" + (chosen.size() == 1 ? "" : "s")
                    + " replayed to " + source);
            out.flush();
            return 0;
        }
    }

    /** Every committed dead letter that passes {@code filter}, partition by partition, oldest first. */
    static List<DeadLetter> read(ConfigLoader.Loaded loaded, Predicate<DeadLetter> filter) {
        String topic = loaded.config().topicPrefix() + ".dlq";
        Map<String, Object> config = new HashMap<>(SluiceRunner.adminConfig(loaded.config().streamsProperties()));
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<DeadLetter> found = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            var infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("no topic " + topic + " on " + config.get("bootstrap.servers"));
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition()))
                    .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within 60 s");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    Map<String, String> headers = new LinkedHashMap<>();
                    for (Header header : record.headers()) {
                        headers.put(header.key(), header.value() == null ? null
                                : new String(header.value(), StandardCharsets.UTF_8));
                    }
                    DeadLetter dead = new DeadLetter(record.topic(), record.partition(), record.offset(),
                            Instant.ofEpochMilli(record.timestamp()), record.key(), record.value(), headers);
                    if (filter.test(dead)) {
                        found.add(dead);
                    }
                }
            }
        }
        found.sort(Comparator.comparingInt(DeadLetter::partition).thenComparingLong(DeadLetter::offset));
        return found;
    }

    private static Map<String, Object> producerConfig(ConfigLoader.Loaded loaded) {
        Map<String, Object> config = new HashMap<>(SluiceRunner.adminConfig(loaded.config().streamsProperties()));
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return config;
    }
}
