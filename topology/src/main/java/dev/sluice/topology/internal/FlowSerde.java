package dev.sluice.topology.internal;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/** The serde of envelopes on repartition topics, and the partitioner that keeps a job's parts together. */
final class FlowSerde implements Serde<Flow> {

    static final FlowSerde INSTANCE = new FlowSerde();

    private FlowSerde() {
    }

    @Override
    public Serializer<Flow> serializer() {
        return (topic, flow) -> {
            if (flow == null) {
                return null;
            }
            if (!(flow instanceof Flow.Envelope envelope)) {
                throw new SerializationException("only envelopes cross a repartition topic, not " + flow);
            }
            return EnvelopeCodec.encode(envelope);
        };
    }

    @Override
    public Deserializer<Flow> deserializer() {
        return (topic, bytes) -> bytes == null ? null : EnvelopeCodec.decode(bytes);
    }

    /**
     * Partitions by job id, whatever the key: every part of a job lands in one partition, so the
     * gather after a join sees all of them in one task, with no further repartition.
     */
    static final class ByJob implements StreamPartitioner<String, Flow> {
        @Override
        public Optional<Set<Integer>> partitions(String topic, String key, Flow value, int numPartitions) {
            String jobId = value instanceof Flow.Envelope e ? e.jobId() : key;
            byte[] bytes = jobId.getBytes(StandardCharsets.UTF_8);
            return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(bytes)) % numPartitions));
        }
    }
}
