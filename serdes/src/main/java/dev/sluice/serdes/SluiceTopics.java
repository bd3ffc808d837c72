package dev.sluice.serdes;

import dev.sluice.schemas.Control;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobEvents;
import dev.sluice.schemas.JobResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The topics of one Sluice deployment, named from a prefix (default {@code sluice}):
 * {@code <prefix>.jobs} (job id, Job), {@code <prefix>.jobs.<lane>} (job id, Job) for each lane,
 * {@code <prefix>.results} (job id, JobResult), {@code <prefix>.events} (job id, JobEvents), {@code <prefix>.dlq} (original key bytes,
 * original value bytes, error headers) and {@code <prefix>.control} (command id, Control). Each topic
 * has serde instances of its own.
 */
public final class SluiceTopics {

    public static final String DEFAULT_PREFIX = "sluice";

    private final String prefix;
    private final AvroSerdes serdes;
    private final Topic<String, Job> jobs;
    private final Topic<String, JobResult> results;
    private final Topic<String, JobEvents> events;
    private final Topic<byte[], byte[]> deadLetters;
    private final Topic<String, Control> control;
    private final Map<String, Topic<String, Job>> lanes = new ConcurrentHashMap<>();

    private SluiceTopics(String prefix, AvroSerdes serdes) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.serdes = Objects.requireNonNull(serdes, "serdes");
        this.jobs = new Topic<>(prefix + ".jobs", Serdes.String(), serdes.valueSerde(Job.class));
        this.results = new Topic<>(prefix + ".results", Serdes.String(), serdes.valueSerde(JobResult.class));
        this.events = new Topic<>(prefix + ".events", Serdes.String(), serdes.valueSerde(JobEvents.class));
        this.deadLetters = new Topic<>(prefix + ".dlq", Serdes.ByteArray(), Serdes.ByteArray());
        this.control = new Topic<>(prefix + ".control", Serdes.String(), serdes.valueSerde(Control.class));
    }

    /** The topics under {@code prefix}, their Avro serdes made by {@code serdes}. */
    public static SluiceTopics create(String prefix, AvroSerdes serdes) {
        return new SluiceTopics(prefix, serdes);
    }

    public String prefix() {
        return prefix;
    }

    /** The source topic, {@code <prefix>.jobs}. */
    public Topic<String, Job> jobs() {
        return jobs;
    }

    /** The sink topic, {@code <prefix>.results}. */
    public Topic<String, JobResult> results() {
        return results;
    }

    /** A job's progress, {@code <prefix>.events}: accepted, each stage started and finished, its end. */
    public Topic<String, JobEvents> events() {
        return events;
    }

    /** The dead-letter topic, {@code <prefix>.dlq}. */
    public Topic<byte[], byte[]> deadLetters() {
        return deadLetters;
    }

    /** The commands to every instance (cancel a job), {@code <prefix>.control}. */
    public Topic<String, Control> control() {
        return control;
    }

    /**
     * A new serde for the payloads that the envelopes of these topics carry, as {@code type}; called
     * with an envelope's topic, it registers under {@code <topic>-payload}.
     */
    public <T> org.apache.kafka.common.serialization.Serde<T> payloadSerde(PayloadType<T> type) {
        return serdes.payloadSerde(type);
    }

    /** The names of every topic of a deployment whose pipeline has {@code lanes}. */
    public List<String> names(Collection<String> laneNames) {
        List<String> names = new ArrayList<>(List.of(jobs.name(), results.name(),
                events.name(), deadLetters.name(), control.name()));
        laneNames.forEach(lane -> names.add(lane(lane).name()));
        return names;
    }

    /** The topic of a lane, {@code <prefix>.jobs.<lane>}. */
    public Topic<String, Job> lane(String lane) {
        return lanes.computeIfAbsent(lane,
                l -> new Topic<>(prefix + ".jobs." + l, Serdes.String(), serdes.valueSerde(Job.class)));
    }
}
