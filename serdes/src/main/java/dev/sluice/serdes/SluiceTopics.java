package dev.sluice.serdes;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobResult;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The topics of one Sluice deployment, named from a prefix (default {@code sluice}):
 * {@code <prefix>.jobs} (job id, Job), {@code <prefix>.results} (job id, JobResult) and
 * {@code <prefix>.dlq} (original key bytes, original value bytes, error headers).
 */
public record SluiceTopics(Topic<String, Job> jobs, Topic<String, JobResult> results, Topic<byte[], byte[]> deadLetters) {

    public static final String DEFAULT_PREFIX = "sluice";

    /** The topics under {@code prefix}, their Avro serdes made by {@code serdes} (one instance per topic). */
    public static SluiceTopics create(String prefix, AvroSerdes serdes) {
        return new SluiceTopics(
                new Topic<>(prefix + ".jobs", Serdes.String(), serdes.valueSerde(Job.class)),
                new Topic<>(prefix + ".results", Serdes.String(), serdes.valueSerde(JobResult.class)),
                new Topic<>(prefix + ".dlq", Serdes.ByteArray(), Serdes.ByteArray()));
    }
}
