package dev.sluice.topology;

import dev.sluice.schemas.Compatibility;
import dev.sluice.topology.internal.RocksDbMemory;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Sluice's settings, as flat keys. Sluice's own keys are defined in {@link #CONFIG_DEF}; Kafka,
 * Streams, producer, consumer and admin settings pass through under their own names behind
 * {@code kafka.} (e.g. {@code kafka.bootstrap.servers}, {@code kafka.producer.linger.ms}). An
 * unknown key or an invalid value fails here, naming the key and what is allowed.
 */
public final class SluiceConfig extends AbstractConfig {

    public static final String KAFKA_PREFIX = "kafka.";

    public static final String MODE_CONFIG = "mode";
    public static final String MODE_PIPELINE = "pipeline";
    public static final String MODE_PASSTHROUGH = "passthrough";
    private static final String MODE_DOC = "pipeline runs the stages; passthrough carries every job to a COMPLETED"
            + " result untouched, for testing the plumbing.";

    public static final String PIPELINE_CONFIG = "pipeline";
    private static final String PIPELINE_DOC = "Name of the pipeline; with no stages listed, the built-in pipeline of"
            + " this name (ingest) runs. Part of the default application.id.";

    public static final String TOPICS_PREFIX_CONFIG = "topics.prefix";
    private static final String TOPICS_PREFIX_DOC = "Prefix of every topic: <prefix>.jobs, <prefix>.results,"
            + " <prefix>.events, <prefix>.dlq, <prefix>.control.";

    public static final String TOPICS_PARTITIONS_CONFIG = "topics.partitions";
    private static final String TOPICS_PARTITIONS_DOC = "Partitions of the topics Sluice creates when they are missing.";

    public static final String TOPICS_REPLICATION_FACTOR_CONFIG = "topics.replication.factor";
    private static final String TOPICS_REPLICATION_FACTOR_DOC = "Replication factor of the topics Sluice creates;"
            + " -1 takes the broker's default.replication.factor.";

    public static final String TOPICS_CREATE_CONFIG = "topics.create";
    private static final String TOPICS_CREATE_DOC = "Create missing topics at start-up.";

    public static final String REGISTRY_URL_CONFIG = "registry.url";
    private static final String REGISTRY_URL_DOC = "Schema registry: mem://NAME for the in-memory registry (unit tests,"
            + " embedded default) or the URL of a registry with Confluent's REST API: Apicurio Registry's"
            + " http://HOST:8080/apis/ccompat/v7, or Confluent Schema Registry's http://HOST:8081. Credentials may"
            + " go in the URL (http://user:secret@HOST/...), for HTTP basic authentication.";

    public static final String REGISTRY_COMPATIBILITY_CONFIG = "registry.compatibility";
    private static final String REGISTRY_COMPATIBILITY_DOC = "The compatibility rule set at start-up on each subject"
            + " Sluice writes or reads (<topic>-value of the jobs, lane, results and control topics): NONE, BACKWARD,"
            + " BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE. The default, FULL_TRANSITIVE,"
            + " lets producers and consumers of any version read each other (see docs/schemas.md).";

    public static final String REGISTRY_STARTUP_TIMEOUT_CONFIG = "registry.startup.timeout.ms";
    private static final String REGISTRY_STARTUP_TIMEOUT_DOC = "How long start-up waits, trying again with backoff,"
            + " for a schema registry that does not answer, before it gives up.";
    public static final long DEFAULT_REGISTRY_STARTUP_TIMEOUT_MS = Duration.ofMinutes(2).toMillis();

    public static final String HTTP_TOKEN_CONFIG = "http.token";
    private static final String HTTP_TOKEN_DOC = "A bearer token the HTTP gateway requires on every request but the"
            + " health checks (Authorization: Bearer <token>); none by default, and then the gateway serves only a"
            + " loopback address unless run with --http-insecure. Best given as SLUICE_HTTP_TOKEN.";

    public static final String HTTP_READ_TOKEN_CONFIG = "http.read.token";
    private static final String HTTP_READ_TOKEN_DOC = "A second bearer token that may read from the gateway (job"
            + " status, events, the latest jobs, the graph, stats, metrics: GET requests) but not submit, cancel or"
            + " pause; needs http.token. Best given as SLUICE_HTTP_READ_TOKEN.";

    public static final String DOCUMENT_MAX_BYTES_CONFIG = "limits.document.max.bytes";
    private static final String DOCUMENT_MAX_BYTES_DOC = "Largest payload a job may carry, in bytes as encoded (for a"
            + " job written before payloads, its document's text in UTF-8 bytes); a larger one ends FAILED at intake.";

    public static final String DUPLICATE_WINDOW_CONFIG = "limits.duplicate.window.ms";
    private static final String DUPLICATE_WINDOW_DOC = "How long a job id is remembered once its job is accepted:"
            + " a job with the same id submitted within this time is not run, and goes to the dead-letter topic as"
            + " DuplicateJobId (the first job's result is the id's one result). 0 turns the check off. Checked under"
            + " exactly_once_v2 only, and not in pass-through mode.";
    public static final long DEFAULT_DUPLICATE_WINDOW_MS = Duration.ofHours(24).toMillis();

    public static final String STATUS_RETENTION_CONFIG = "status.retention.ms";
    private static final String STATUS_RETENTION_DOC = "How long each job's latest status (ACCEPTED, RUNNING at a stage,"
            + " or how it ended, with its trace) is kept in the status store sluice.status, counted from when the job was"
            + " accepted; GET /v1/jobs/{id} and sluice status read it. 0 leaves the store out.";
    public static final long DEFAULT_STATUS_RETENTION_MS = Duration.ofHours(24).toMillis();
    private static final long MIN_STATUS_RETENTION_MS = Duration.ofMinutes(1).toMillis();

    public static final String EVENTS_ENABLED_CONFIG = "events.enabled";
    private static final String EVENTS_ENABLED_DOC = "Send each job's progress to <prefix>.events: accepted, each stage"
            + " started and finished, how it ended. The status store, GET /v1/jobs/{id} and its event stream,"
            + " JobClient.events and the dashboard's jobs read them; false sends none and leaves the status store out"
            + " (status.retention.ms must then be 0 or unset).";

    public static final String CANCEL_RETENTION_CONFIG = "control.cancel.retention.ms";
    private static final String CANCEL_RETENTION_DOC = "How long each instance remembers a cancel, counted from when it"
            + " was issued: a job submitted before the cancel and still on its way after this long is no longer"
            + " stopped by it. Keep it no longer than the retention of <prefix>.control (the broker's default,"
            + " 7 days), from which an instance started later learns the cancels.";
    public static final long DEFAULT_CANCEL_RETENTION_MS = Duration.ofDays(7).toMillis();

    public static final String HEALTH_MAX_POLL_IDLE_CONFIG = "health.max.poll.idle.ms";
    private static final String HEALTH_MAX_POLL_IDLE_DOC = "GET /health/ready answers 503 when a stream thread has"
            + " not polled for this long: a call is stuck (a stage without a time limit that hangs), and the thread"
            + " leaves its group at max.poll.interval.ms. Keep it above the longest stage call.";
    public static final long DEFAULT_HEALTH_MAX_POLL_IDLE_MS = Duration.ofMinutes(1).toMillis();

    public static final String ROCKSDB_MEMORY_CONFIG = "rocksdb.memory.max.bytes";
    private static final String ROCKSDB_MEMORY_DOC = "Off-heap memory that all RocksDB stores of an instance share:"
            + " one block cache of this size, with the stores' memtables charged to it (up to half). 0 leaves Kafka"
            + " Streams' defaults, a 50 MiB block cache and up to 48 MiB of memtables for each store of each partition."
            + " Ignored when kafka.rocksdb.config.setter is set, which then manages the stores' memory.";
    public static final long DEFAULT_ROCKSDB_MEMORY_BYTES = 64L * 1024 * 1024;

    public static final String PAYLOADS_INPUT_CONFIG = "payloads.input";
    private static final String PAYLOADS_INPUT_DOC = "The Avro record a job of a pipeline from a configuration file"
            + " carries, as the class generated for it (e.g. com.acme.Product); by default the class its first stage"
            + " takes.";
    public static final String PAYLOADS_OUTPUT_CONFIG = "payloads.output";
    private static final String PAYLOADS_OUTPUT_DOC = "The Avro record a result of a pipeline from a configuration file"
            + " carries, as the class generated for it (e.g. com.acme.Enriched); by default the class its last stages"
            + " make.";

    public static final String PLUGINS_PATH_CONFIG = "plugins.path";
    private static final String PLUGINS_PATH_DOC = "A directory of jars with stages of your own: every jar in it is"
            + " loaded, on a class loader over Sluice's, before the pipeline is read, so that its stages can be named"
            + " by class or by the type a StageFactory in it registers. sluice run --plugins DIR sets it.";

    /**
     * Kafka Streams' switch for running the processing exception handler on global threads too. The
     * constant is deprecated in 4.x because 5.0 makes {@code true} the default and drops the switch;
     * Sluice takes that default now (and so silences the warning Streams logs without it).
     */
    public static final String PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED = "processing.exception.handler.global.enabled";

    public static final String DEFAULT_REGISTRY_URL = "mem://default";
    public static final int DEFAULT_DOCUMENT_MAX_BYTES = 512 * 1024;
    public static final int DEFAULT_PRODUCER_LINGER_MS = 5;
    /** Sluice's default producer batch.size: 128 KiB, room for about thirty 4 KiB results. */
    public static final int DEFAULT_PRODUCER_BATCH_BYTES = 131_072;
    /** Sluice's default producer {@code retry.backoff.ms}: see {@link #streamsProperties()}. */
    public static final int DEFAULT_PRODUCER_RETRY_BACKOFF_MS = 20;
    /** Sluice's default {@code max.task.idle.ms}: see {@link #streamsProperties()}. */
    public static final long DEFAULT_MAX_TASK_IDLE_MS = -1;

    private static final Pattern TOPIC_PREFIX = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(MODE_CONFIG, Type.STRING, MODE_PIPELINE, ConfigDef.ValidString.in(MODE_PIPELINE, MODE_PASSTHROUGH),
                    Importance.HIGH, MODE_DOC)
            .define(PIPELINE_CONFIG, Type.STRING, "ingest", new ConfigDef.NonEmptyStringWithoutControlChars(),
                    Importance.HIGH, PIPELINE_DOC)
            .define(TOPICS_PREFIX_CONFIG, Type.STRING, "sluice", (name, value) -> {
                if (value == null || !TOPIC_PREFIX.matcher(value.toString()).matches()) {
                    throw new ConfigException(name, value, "must be 1 to 200 of a-z, A-Z, 0-9, '.', '_', '-'");
                }
            }, Importance.HIGH, TOPICS_PREFIX_DOC)
            .define(TOPICS_PARTITIONS_CONFIG, Type.INT, 3, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
                    TOPICS_PARTITIONS_DOC)
            .define(TOPICS_REPLICATION_FACTOR_CONFIG, Type.SHORT, (short) -1, (name, value) -> {
                short v = (Short) value;
                if (v == 0 || v < -1) {
                    throw new ConfigException(name, value, "must be -1 (broker default) or at least 1");
                }
            }, Importance.MEDIUM, TOPICS_REPLICATION_FACTOR_DOC)
            .define(TOPICS_CREATE_CONFIG, Type.BOOLEAN, true, Importance.LOW, TOPICS_CREATE_DOC)
            .define(REGISTRY_URL_CONFIG, Type.STRING, DEFAULT_REGISTRY_URL, (name, value) -> {
                String url = value == null ? "" : value.toString().toLowerCase(Locale.ROOT);
                if (!(url.startsWith("mem://") || url.startsWith("http://") || url.startsWith("https://"))) {
                    throw new ConfigException(name, value, "must be mem://NAME or an http(s):// registry URL");
                }
            }, Importance.HIGH, REGISTRY_URL_DOC)
            .define(REGISTRY_COMPATIBILITY_CONFIG, Type.STRING, Compatibility.SLUICE_DEFAULT.name(),
                    (name, value) -> {
                        try {
                            Compatibility.of(String.valueOf(value));
                        } catch (IllegalArgumentException e) {
                            throw new ConfigException(name, value, e.getMessage());
                        }
                    }, Importance.MEDIUM, REGISTRY_COMPATIBILITY_DOC)
            .define(REGISTRY_STARTUP_TIMEOUT_CONFIG, Type.LONG, DEFAULT_REGISTRY_STARTUP_TIMEOUT_MS,
                    ConfigDef.Range.atLeast(0), Importance.LOW, REGISTRY_STARTUP_TIMEOUT_DOC)
            .define(HTTP_TOKEN_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, HTTP_TOKEN_DOC)
            .define(HTTP_READ_TOKEN_CONFIG, Type.PASSWORD, null, Importance.MEDIUM, HTTP_READ_TOKEN_DOC)
            .define(DOCUMENT_MAX_BYTES_CONFIG, Type.INT, DEFAULT_DOCUMENT_MAX_BYTES, ConfigDef.Range.atLeast(1),
                    Importance.MEDIUM, DOCUMENT_MAX_BYTES_DOC)
            .define(DUPLICATE_WINDOW_CONFIG, Type.LONG, DEFAULT_DUPLICATE_WINDOW_MS, ConfigDef.Range.atLeast(0),
                    Importance.MEDIUM, DUPLICATE_WINDOW_DOC)
            .define(EVENTS_ENABLED_CONFIG, Type.BOOLEAN, true, Importance.LOW, EVENTS_ENABLED_DOC)
            .define(CANCEL_RETENTION_CONFIG, Type.LONG, DEFAULT_CANCEL_RETENTION_MS,
                    ConfigDef.Range.atLeast(Duration.ofMinutes(1).toMillis()), Importance.LOW, CANCEL_RETENTION_DOC)
            .define(STATUS_RETENTION_CONFIG, Type.LONG, DEFAULT_STATUS_RETENTION_MS, (name, value) -> {
                long v = (Long) value;
                if (v != 0 && v < MIN_STATUS_RETENTION_MS) {
                    throw new ConfigException(name, value, "must be 0 (no status store) or at least "
                            + MIN_STATUS_RETENTION_MS + " (a minute)");
                }
            }, Importance.MEDIUM, STATUS_RETENTION_DOC)
            .define(HEALTH_MAX_POLL_IDLE_CONFIG, Type.LONG, DEFAULT_HEALTH_MAX_POLL_IDLE_MS, ConfigDef.Range.atLeast(1_000),
                    Importance.LOW, HEALTH_MAX_POLL_IDLE_DOC)
            .define(ROCKSDB_MEMORY_CONFIG, Type.LONG, DEFAULT_ROCKSDB_MEMORY_BYTES, ConfigDef.Range.atLeast(0),
                    Importance.MEDIUM, ROCKSDB_MEMORY_DOC)
            .define(PLUGINS_PATH_CONFIG, Type.STRING, null, Importance.MEDIUM, PLUGINS_PATH_DOC)
            .define(PAYLOADS_INPUT_CONFIG, Type.STRING, null, Importance.MEDIUM, PAYLOADS_INPUT_DOC)
            .define(PAYLOADS_OUTPUT_CONFIG, Type.STRING, null, Importance.MEDIUM, PAYLOADS_OUTPUT_DOC);

    private static final String[] CLIENT_PREFIXES = {
        StreamsConfig.PRODUCER_PREFIX, StreamsConfig.MAIN_CONSUMER_PREFIX, StreamsConfig.RESTORE_CONSUMER_PREFIX,
        StreamsConfig.GLOBAL_CONSUMER_PREFIX, StreamsConfig.CONSUMER_PREFIX, StreamsConfig.ADMIN_CLIENT_PREFIX,
        StreamsConfig.TOPIC_PREFIX
    };

    private final Map<String, Object> kafka;

    /**
     * Reads flat settings.
     *
     * @throws ConfigException naming the first unknown key or invalid value
     */
    public SluiceConfig(Map<String, ?> settings) {
        super(CONFIG_DEF, ownKeys(settings), false);
        this.kafka = kafkaKeys(settings);
        if (!eventsEnabled() && originals().containsKey(STATUS_RETENTION_CONFIG) && getLong(STATUS_RETENTION_CONFIG) > 0) {
            throw new ConfigException(STATUS_RETENTION_CONFIG, getLong(STATUS_RETENTION_CONFIG), "needs the events the"
                    + " status store is made from, which " + EVENTS_ENABLED_CONFIG + "=false turns off: set it to 0, or"
                    + " " + EVENTS_ENABLED_CONFIG + " to true");
        }
    }

    /** Every key that {@link #CONFIG_DEF} defines. */
    public static Set<String> ownNames() {
        return CONFIG_DEF.names();
    }

    public boolean passThrough() {
        return MODE_PASSTHROUGH.equals(getString(MODE_CONFIG));
    }

    public String pipelineName() {
        return getString(PIPELINE_CONFIG);
    }

    public String topicPrefix() {
        return getString(TOPICS_PREFIX_CONFIG);
    }

    public String registryUrl() {
        return getString(REGISTRY_URL_CONFIG);
    }

    /** The compatibility rule Sluice sets on its subjects. */
    public Compatibility registryCompatibility() {
        return Compatibility.of(getString(REGISTRY_COMPATIBILITY_CONFIG));
    }

    /** How long start-up waits for the schema registry to answer. */
    public Duration registryStartupTimeout() {
        return Duration.ofMillis(getLong(REGISTRY_STARTUP_TIMEOUT_CONFIG));
    }

    /** The bearer token the HTTP gateway requires, or null for none. */
    public String httpToken() {
        return secret(HTTP_TOKEN_CONFIG);
    }

    /** The gateway's read-only bearer token, or null for none. */
    public String httpReadToken() {
        return secret(HTTP_READ_TOKEN_CONFIG);
    }

    private String secret(String key) {
        Password secret = getPassword(key);
        return secret == null || secret.value().isEmpty() ? null : secret.value();
    }

    public int maxDocumentBytes() {
        return getInt(DOCUMENT_MAX_BYTES_CONFIG);
    }

    /** How long a job id is remembered to find duplicates; zero when the check is off. */
    public Duration duplicateWindow() {
        return Duration.ofMillis(getLong(DUPLICATE_WINDOW_CONFIG));
    }

    /** How long a stream thread may go without polling before the instance is not ready. */
    public Duration healthMaxPollIdle() {
        return Duration.ofMillis(getLong(HEALTH_MAX_POLL_IDLE_CONFIG));
    }

    /** How long a cancel is remembered. */
    public Duration cancelRetention() {
        return Duration.ofMillis(getLong(CANCEL_RETENTION_CONFIG));
    }

    /** How long the status store keeps a job's status; zero when there is no store (none without events). */
    public Duration statusRetention() {
        return eventsEnabled() ? Duration.ofMillis(getLong(STATUS_RETENTION_CONFIG)) : Duration.ZERO;
    }

    /** Whether jobs' events go to the events topic. */
    public boolean eventsEnabled() {
        return getBoolean(EVENTS_ENABLED_CONFIG);
    }

    /** The pipeline's declared input type ({@value #PAYLOADS_INPUT_CONFIG}), or null to tell it from its first stage. */
    public String payloadsInput() {
        return optional(PAYLOADS_INPUT_CONFIG);
    }

    /** The pipeline's declared output type ({@value #PAYLOADS_OUTPUT_CONFIG}), or null to tell it from its last stages. */
    public String payloadsOutput() {
        return optional(PAYLOADS_OUTPUT_CONFIG);
    }

    /** The directory of plugin jars ({@value #PLUGINS_PATH_CONFIG}), or null when there is none. */
    public String pluginsPath() {
        return optional(PLUGINS_PATH_CONFIG);
    }

    /** A setting without a default: its value, or null when it is not given (or blank). */
    private String optional(String key) {
        String value = getString(key);
        return value == null || value.isBlank() ? null : value;
    }

    /** The Kafka settings as given, without the {@code kafka.} prefix. */
    public Map<String, Object> kafka() {
        return kafka;
    }

    /**
     * The Kafka Streams properties: the given {@code kafka.*} settings over Sluice's defaults
     * (application.id {@code <prefix>-<pipeline>}, exactly_once_v2, explicit naming of internal
     * resources, the processing exception handler on global threads too, max.task.idle.ms -1,
     * producer linger.ms 5, batch.size 128 KiB and retry.backoff.ms 20),
     * checked by {@link StreamsConfig}.
     *
     * @throws ConfigException naming the key when a value is invalid or bootstrap.servers is missing
     */
    public Properties streamsProperties() {
        Properties props = new Properties();
        String pipeline = passThrough() ? MODE_PASSTHROUGH : pipelineName();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, topicPrefix() + "-" + pipeline);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        // Kafka 5.0's default, taken now so that an upgrade changes nothing
        props.put(PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED, true);
        props.putAll(clientDefaults());
        props.putAll(kafka);
        boundRocksDb(props);
        if (!props.containsKey(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new ConfigException(KAFKA_PREFIX + StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, null,
                    "is required: the Kafka cluster to connect to, e.g. localhost:9092");
        }
        try {
            new StreamsConfig(props);
        } catch (ConfigException e) {
            throw new ConfigException(KAFKA_PREFIX.trim() + " settings: " + e.getMessage());
        }
        return props;
    }

    /**
     * Sluice's defaults for Kafka Streams' clients and tasks over Kafka Streams' own, as Streams settings
     * (producer {@code linger.ms} 5, {@code batch.size} 128 KiB, {@code retry.backoff.ms} 20,
     * {@code max.task.idle.ms} -1): {@link #streamsProperties()} starts from them and a {@code kafka.}
     * setting overrides them. The bench gives its hand-written floors the same when it measures latency.
     */
    public static Map<String, Object> clientDefaults() {
        Map<String, Object> defaults = new LinkedHashMap<>();
        // the plain producer's default since Kafka 4.0 rather than Streams' 100 ms: a job waits for
        // no batch to fill, and busy partitions fill their batches long before either
        defaults.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), DEFAULT_PRODUCER_LINGER_MS);
        // the producer's 16 KiB holds three or four documents: a backlog goes out in many small
        // requests, and the broker's per-request work (on the same cores, here) sets the pace. A batch
        // is sent when it is full or has lingered, so a larger one costs a lone job nothing
        defaults.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), DEFAULT_PRODUCER_BATCH_BYTES);
        // under exactly_once_v2 a transaction's first write to a partition is checked by the broker, and
        // while the last transaction's markers are still being written it answers CONCURRENT_TRANSACTIONS:
        // the producer then waits retry.backoff.ms (100 ms, doubling) before it sends again, which is most
        // of a job's latency when it happens. Transactions v1 checked the same in AddPartitionsToTxn,
        // where the producer waits 20 ms instead; this gives the write the same
        defaults.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), DEFAULT_PRODUCER_RETRY_BACKOFF_MS);
        // each of Sluice's tasks reads one partition of one topic, so there are no partitions to line up
        // by time. With Streams' default of 0 a task whose partition is empty works out why it waits
        // each time the thread looks at it, formatting log lines that it never logs (String.format in
        // PartitionGroup.readyToProcess: 5 % of the pass-through's stream thread); -1 skips that
        defaults.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, DEFAULT_MAX_TASK_IDLE_MS);
        return defaults;
    }

    /** Sets {@link RocksDbMemory} as the stores' config setter, unless the user brought one or turned it off. */
    private void boundRocksDb(Properties props) {
        long budget = getLong(ROCKSDB_MEMORY_CONFIG);
        if (props.containsKey(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)) {
            if (originals().containsKey(ROCKSDB_MEMORY_CONFIG) && budget > 0) {
                throw new ConfigException(ROCKSDB_MEMORY_CONFIG, budget, "cannot be kept with "
                        + KAFKA_PREFIX + StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG
                        + ", which manages the stores' memory itself: set one of the two, or " + ROCKSDB_MEMORY_CONFIG
                        + " to 0");
            }
            return;
        }
        if (budget > 0) {
            props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, RocksDbMemory.class.getName());
            props.put(RocksDbMemory.BUDGET_CONFIG, budget);
        }
    }

    private static Map<String, Object> ownKeys(Map<String, ?> settings) {
        Map<String, Object> own = new HashMap<>();
        Set<String> known = CONFIG_DEF.names();
        for (Map.Entry<String, ?> e : settings.entrySet()) {
            String key = e.getKey();
            if (key.startsWith(KAFKA_PREFIX)) {
                continue;
            }
            if (!known.contains(key)) {
                throw new ConfigException(key, e.getValue(), "unknown setting; Sluice's settings are "
                        + String.join(", ", new TreeSet<>(known)) + ", and Kafka's own under kafka.");
            }
            own.put(key, e.getValue());
        }
        return own;
    }

    private static Map<String, Object> kafkaKeys(Map<String, ?> settings) {
        Map<String, Object> kafka = new HashMap<>();
        for (Map.Entry<String, ?> e : settings.entrySet()) {
            if (e.getKey().startsWith(KAFKA_PREFIX)) {
                String name = e.getKey().substring(KAFKA_PREFIX.length());
                if (!isKafkaSetting(name)) {
                    throw new ConfigException(e.getKey(), e.getValue(), "unknown Kafka setting: not a Streams,"
                            + " producer, consumer, admin or topic setting (nor one of those behind producer.,"
                            + " consumer., main.consumer., restore.consumer., global.consumer., admin., topic.)");
                }
                kafka.put(name, e.getValue());
            }
        }
        return Map.copyOf(kafka);
    }

    /** Whether {@code name} is a setting Kafka Streams or one of its clients knows. */
    static boolean isKafkaSetting(String name) {
        if (isClientSetting(name) || StreamsConfig.configDef().names().contains(name)) {
            return true;
        }
        for (String prefix : CLIENT_PREFIXES) {
            if (name.startsWith(prefix)) {
                String rest = name.substring(prefix.length());
                return prefix.equals(StreamsConfig.TOPIC_PREFIX) ? isTopicSetting(rest) : isClientSetting(rest);
            }
        }
        return false;
    }

    private static boolean isClientSetting(String name) {
        return ProducerConfig.configNames().contains(name) || ConsumerConfig.configNames().contains(name)
                || AdminClientConfig.configNames().contains(name);
    }

    private static boolean isTopicSetting(String name) {
        try {
            for (var field : TopicConfig.class.getFields()) {
                if (field.getName().endsWith("_CONFIG") && name.equals(field.get(null))) {
                    return true;
                }
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        return false;
    }
}
