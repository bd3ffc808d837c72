package dev.sluice.connectors;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * A Kafka Connect source that turns the files of a directory into Sluice jobs on {@code <prefix>.jobs}:
 * one job per text or markdown file, one per line of a JSON-lines file. Each file is a source partition
 * whose offset counts the jobs taken from it, so that a worker that restarts neither skips nor repeats a
 * file. Job ids come from the file's path (and line), so a job sent again after a crash between a send
 * and the offsets' flush has the id it had, and a pipeline under exactly_once_v2 refuses it as a
 * duplicate ({@code limits.duplicate.window.ms}). Values are Sluice's own Avro in the Confluent wire
 * format, written by the task: the worker's value converter must be the ByteArrayConverter.
 */
public final class DirectorySourceConnector extends SourceConnector {

    static final String TASK_INDEX = "sluice.task.index";
    static final String TASK_COUNT = "sluice.task.count";

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        new DirectorySourceConfig(props); // fails the connector at once with the key that is wrong
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return DirectorySourceTask.class;
    }

    /** Each task takes the files whose path hashes to its index, so tasks never read the same file. */
    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>();
        for (int i = 0; i < maxTasks; i++) {
            Map<String, String> config = new HashMap<>(props);
            config.put(TASK_INDEX, Integer.toString(i));
            config.put(TASK_COUNT, Integer.toString(maxTasks));
            configs.add(config);
        }
        return configs;
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return DirectorySourceConfig.CONFIG_DEF;
    }

    @Override
    public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
        return ExactlyOnceSupport.SUPPORTED; // offsets and records may go in one transaction: it sends nothing else
    }

    @Override
    public String version() {
        return Versions.SLUICE;
    }
}
