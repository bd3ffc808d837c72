package dev.sluice.connectors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * A Kafka Connect sink that appends Sluice's results ({@code <prefix>.results}, given as {@code topics})
 * to a file as JSON lines, one per result. It runs one task, since one file has one writer. It writes a
 * result at least once: the lines a worker wrote after its last offset commit come again after a crash,
 * with the job ids that tell them apart. A record that is not a readable JobResult goes to the worker's
 * error handling ({@code errors.tolerance}, {@code errors.deadletterqueue.topic.name}); without it, the
 * task stops, naming the record. Values are read as bytes: the worker's value converter must be the
 * ByteArrayConverter.
 */
public final class ResultsFileSinkConnector extends SinkConnector {

    private Map<String, String> props;

    @Override
    public void start(Map<String, String> props) {
        new ResultsFileSinkConfig(props);
        this.props = Map.copyOf(props);
    }

    @Override
    public Class<? extends Task> taskClass() {
        return ResultsFileSinkTask.class;
    }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>();
        configs.add(props);
        return configs;
    }

    @Override
    public void stop() {
    }

    @Override
    public ConfigDef config() {
        return ResultsFileSinkConfig.CONFIG_DEF;
    }

    @Override
    public String version() {
        return Versions.SLUICE;
    }
}
