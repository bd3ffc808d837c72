package dev.sluice.connectors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** The settings of {@link DirectorySourceConnector}. */
public final class DirectorySourceConfig extends AbstractConfig {

    public static final String DIRECTORY_CONFIG = "directory";
    public static final String TOPICS_PREFIX_CONFIG = "topics.prefix";
    public static final String REGISTRY_URL_CONFIG = "registry.url";
    public static final String EXTENSIONS_CONFIG = "file.extensions";
    public static final String MAX_FILE_BYTES_CONFIG = "file.max.bytes";
    public static final String POLL_INTERVAL_CONFIG = "poll.interval.ms";
    public static final String BATCH_SIZE_CONFIG = "batch.size";

    /** The extensions read one job per line, as JSON lines; every other one is one job per file. */
    static final List<String> JSON_LINES = List.of("jsonl", "ndjson");

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(DIRECTORY_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, readableDirectory(), Importance.HIGH,
                    "The directory whose files become jobs, its subdirectories included. Files are read in the order"
                            + " of their paths; a file should be complete when it appears (move it in), and a hidden one"
                            + " (a name starting with a dot) is passed over.")
            .define(TOPICS_PREFIX_CONFIG, Type.STRING, "sluice", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "The pipeline's topic prefix, as its topics.prefix: jobs go to <prefix>.jobs, and what cannot"
                            + " become a job to <prefix>.dlq.")
            .define(REGISTRY_URL_CONFIG, Type.STRING, "mem://default", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "The schema registry the pipeline uses, as its registry.url.")
            .define(EXTENSIONS_CONFIG, Type.LIST, "txt,md,markdown,jsonl,ndjson", extensionList(), Importance.MEDIUM,
                    "The file name extensions read. A .jsonl or .ndjson file is one job per line, each a job as JSON"
                            + " (as POST /v1/jobs takes it); any other is one job per file, its text the document.")
            .define(MAX_FILE_BYTES_CONFIG, Type.INT, 1_000_000, ConfigDef.Range.between(1, 64 * 1024 * 1024),
                    Importance.MEDIUM, "The largest file (or JSON line) that becomes a job; a larger one is reported on"
                            + " <prefix>.dlq, by name, without its content.")
            .define(POLL_INTERVAL_CONFIG, Type.LONG, 1_000L, ConfigDef.Range.atLeast(10), Importance.LOW,
                    "How often the directory is looked at for new files, once every file found has been read.")
            .define(BATCH_SIZE_CONFIG, Type.INT, 100, ConfigDef.Range.between(1, 10_000), Importance.LOW,
                    "The most jobs handed to the worker at a time.");

    public DirectorySourceConfig(Map<String, String> props) {
        super(CONFIG_DEF, props);
    }

    Path directory() {
        return Path.of(getString(DIRECTORY_CONFIG));
    }

    String topicsPrefix() {
        return getString(TOPICS_PREFIX_CONFIG);
    }

    String registryUrl() {
        return getString(REGISTRY_URL_CONFIG);
    }

    List<String> extensions() {
        return getList(EXTENSIONS_CONFIG).stream().map(e -> e.trim().toLowerCase(Locale.ROOT)).toList();
    }

    int maxFileBytes() {
        return getInt(MAX_FILE_BYTES_CONFIG);
    }

    long pollIntervalMs() {
        return getLong(POLL_INTERVAL_CONFIG);
    }

    int batchSize() {
        return getInt(BATCH_SIZE_CONFIG);
    }

    private static ConfigDef.Validator readableDirectory() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value == null || value.toString().isBlank()) {
                    throw new ConfigException(name, value, "a directory is required");
                }
                Path path = Path.of(value.toString());
                if (!Files.isDirectory(path) || !Files.isReadable(path)) {
                    throw new ConfigException(name, value, "not a readable directory");
                }
            }

            @Override
            public String toString() {
                return "a readable directory";
            }
        };
    }

    private static ConfigDef.Validator extensionList() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                @SuppressWarnings("unchecked")
                List<String> list = (List<String>) value;
                if (list == null || list.isEmpty()) {
                    throw new ConfigException(name, value, "name at least one extension, e.g. txt,md,jsonl");
                }
                for (String extension : list) {
                    if (!extension.trim().matches("[A-Za-z0-9]+")) {
                        throw new ConfigException(name, value, "an extension is letters and digits, without the dot: "
                                + extension);
                    }
                }
            }

            @Override
            public String toString() {
                return "extensions without the dot, e.g. txt,md,jsonl";
            }
        };
    }
}
