package dev.sluice.topology;

import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.internal.ErrorHeaders;
import dev.sluice.topology.internal.IntakeRules;
import dev.sluice.topology.internal.TopologyFactory;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.pipeline.StageDefinition;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;

/**
 * Builds the Kafka Streams topology of a pipeline: a pure function of the pipeline, its topics and
 * its settings, used alike by the runtime, the test kit and the tests.
 *
 * <p>The topology reads {@code <prefix>.jobs} (Avro {@code Job}, Confluent wire format), runs the
 * pipeline's stages as named processors, and writes exactly one Avro {@code JobResult} per job to
 * {@code <prefix>.results}; records that are not usable jobs and jobs that fail also go, as their
 * original bytes with error headers, to {@code <prefix>.dlq}.
 */
public final class SluiceTopology {

    /**
     * The header of a job sent again from the dead-letter topic ({@code sluice dlq replay}), naming the
     * dead letter. The intake runs such a job even if its id was accepted within the duplicate window:
     * a replay is a request to run the job again, and it gets a new result.
     */
    public static final String REPLAYED_FROM_HEADER = ErrorHeaders.REPLAYED_FROM;

    /** The segment that reads {@code <prefix>.jobs}; the others are named by their lanes. */
    public static final String MAIN = TopologyFactory.MAIN;

    private SluiceTopology() {
    }

    /**
     * The topology of {@code pipeline}, all its segments, with the limits of {@code config}: what the
     * test kit runs.
     *
     * @param streamsProperties the Kafka Streams settings the topology will run with (they decide, for
     *     instance, whether unnamed internal resources are refused, and whether duplicate job ids are
     *     checked: only under exactly_once_v2)
     */
    public static Topology build(Pipeline pipeline, SluiceTopics topics, SluiceConfig config,
                                 Properties streamsProperties) {
        return build(pipeline, topics, config, streamsProperties, Options.DEFAULT);
    }

    /**
     * The topology of {@code pipeline}, with the limits of {@code config}, built as {@code options} say.
     *
     * @throws IllegalArgumentException naming a segment the pipeline does not have
     */
    public static Topology build(Pipeline pipeline, SluiceTopics topics, SluiceConfig config,
                                 Properties streamsProperties, Options options) {
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(streamsProperties)));
        IntakeRules rules = pipeline.isPassThrough() ? IntakeRules.none()
                : new IntakeRules(true, config.maxDocumentBytes(), pipeline.taskTypes(),
                        duplicateWindow(config, streamsProperties));
        TopologyFactory.build(builder, pipeline, topics, new TopologyFactory.Settings(rules,
                maxRequestBytes(streamsProperties), options.segments(), options.pauses()::paused, options.meters(),
                config.statusRetention().isZero() ? null : config.statusRetention(), config.cancelRetention(),
                config.eventsEnabled(), options.calls()));
        return builder.build(streamsProperties);
    }

    /**
     * How to build a topology beyond its pipeline, topics and settings.
     *
     * @param segments which segments to lay out: {@link #MAIN} (reads {@code <prefix>.jobs}) and lane names
     *     (read {@code <prefix>.jobs.<lane>}); all of them when empty
     * @param pauses told what the control topic says about pausing
     * @param meters where each stage counts its records and times its calls
     *     ({@code sluice_stage_records_total}, {@code sluice_stage_processing_seconds},
     *     {@code sluice_gather_groups_total}); none when null
     * @param calls told of the calls of the asynchronous stages, for a test driver; when null, no one
     */
    public record Options(Set<String> segments, PauseListener pauses, MeterRegistry meters, CallsInFlight calls) {

        /** Every segment, pauses heard by no one, no meters: a test topology. */
        public static final Options DEFAULT = new Options(Set.of(), PauseListener.NONE, null, null);

        public Options {
            segments = Set.copyOf(segments);
            Objects.requireNonNull(pauses, "pauses");
            calls = calls == null ? new CallsInFlight() : calls;
        }

        /** These options, laying out only {@code only}. */
        public Options withSegments(Set<String> only) {
            return new Options(only, pauses, meters, calls);
        }

        /** These options, telling {@code listener} of pauses. */
        public Options withPauses(PauseListener listener) {
            return new Options(segments, listener, meters, calls);
        }

        /** These options, with the stages' meters in {@code registry}. */
        public Options withMeters(MeterRegistry registry) {
            return new Options(segments, pauses, Objects.requireNonNull(registry, "registry"), calls);
        }

        /** These options, telling {@code watcher} of the asynchronous stages' calls. */
        public Options withCalls(CallsInFlight watcher) {
            return new Options(segments, pauses, meters, Objects.requireNonNull(watcher, "watcher"));
        }
    }

    /**
     * The window in which a job id is a duplicate, or null when ids are not checked: the window is
     * zero, or the guarantee is not exactly_once_v2. Under at_least_once a record read again after a
     * crash may find its own id remembered by the run that crashed, and would be lost as a duplicate.
     */
    private static Duration duplicateWindow(SluiceConfig config, Properties streamsProperties) {
        Object guarantee = streamsProperties.getOrDefault(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                StreamsConfig.AT_LEAST_ONCE);
        Duration window = config.duplicateWindow();
        return window.isZero() || !StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee.toString()) ? null : window;
    }

    /** The producer's max.request.size in {@code streamsProperties}, or the producer's default. */
    private static int maxRequestBytes(Properties streamsProperties) {
        Object value = streamsProperties.get(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
        if (value == null) {
            value = streamsProperties.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        }
        return value == null ? 1_048_576 : Integer.parseInt(value.toString().trim());
    }

    /**
     * How long a stream thread of a pipeline with asynchronous stages waits for input when it has none
     * ({@code poll.ms}, 100 ms by default): the answer of a call is sent on by the stream thread, so it
     * waits at most this long for it to come back from a poll.
     */
    public static final long ASYNC_POLL_MS = 5;

    /**
     * Sets in {@code props} what {@code pipeline}'s Kafka Streams instances need unless the user says
     * otherwise: {@value #ASYNC_POLL_MS} ms for {@code poll.ms} when it has asynchronous stages.
     */
    public static Properties withDefaultsFor(Pipeline pipeline, Properties props) {
        boolean calls = pipeline.stages().stream().anyMatch(s -> s instanceof StageDefinition.Async);
        if (calls) {
            props.putIfAbsent(StreamsConfig.POLL_MS_CONFIG, ASYNC_POLL_MS);
        }
        return props;
    }

    /** {@code main} and the names of the pipeline's lanes: what {@code segments} may hold. */
    public static Set<String> segments(Pipeline pipeline) {
        return TopologyFactory.allSegments(pipeline);
    }
}
