package dev.sluice.connectors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** The settings of {@link ResultsFileSinkConnector}; its topics are the sink's own {@code topics}. */
public final class ResultsFileSinkConfig extends AbstractConfig {

    public static final String FILE_CONFIG = "file";
    public static final String REGISTRY_URL_CONFIG = DirectorySourceConfig.REGISTRY_URL_CONFIG;

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(FILE_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, writableFile(), Importance.HIGH,
                    "The file that results are appended to, one JSON object per line (the JobResult as the gateway"
                            + " answers it). Its directory must exist.")
            .define(REGISTRY_URL_CONFIG, Type.STRING, "mem://default", new ConfigDef.NonEmptyString(), Importance.HIGH,
                    "The schema registry the pipeline uses, as its registry.url.");

    public ResultsFileSinkConfig(Map<String, String> props) {
        super(CONFIG_DEF, props);
    }

    Path file() {
        return Path.of(getString(FILE_CONFIG));
    }

    String registryUrl() {
        return getString(REGISTRY_URL_CONFIG);
    }

    private static ConfigDef.Validator writableFile() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value == null || value.toString().isBlank()) {
                    throw new ConfigException(name, value, "a file is required");
                }
                Path path = Path.of(value.toString()).toAbsolutePath();
                if (Files.isDirectory(path)) {
                    throw new ConfigException(name, value, "is a directory; name a file in it");
                }
                Path parent = path.getParent();
                if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
                    throw new ConfigException(name, value, "its directory does not exist or cannot be written");
                }
            }

            @Override
            public String toString() {
                return "a file in a writable directory";
            }
        };
    }
}
