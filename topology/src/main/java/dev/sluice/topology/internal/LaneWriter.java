package dev.sluice.topology.internal;

import dev.sluice.schemas.Job;
import dev.sluice.schemas.Jobs;
import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Turns a job that a branch sends to a lane back into a Job record: its payload as the stages before
 * the branch left it, in the wire format under the lane topic's payload subject; its trace so far in a
 * header.
 */
final class LaneWriter extends ContextualProcessor<String, Flow, String, Job> {

    private final Serializer<Object> payloads;
    private final String laneTopic;

    LaneWriter(Serializer<Object> payloads, String laneTopic) {
        this.payloads = payloads;
        this.laneTopic = laneTopic;
    }

    @Override
    public void process(Record<String, Flow> record) {
        Flow.Envelope envelope = ((Flow.Routed) record.value()).envelope();
        Job from = envelope.job();
        Job job = new Job(from.getJobId(), from.getSubmittedAt(), from.getPriority(), from.getDeadline(),
                from.getAttributes(), from.getTasks(), Jobs.noDocument(),
                ByteBuffer.wrap(payloads.serialize(laneTopic, envelope.payload())));
        context().forward(new Record<>(envelope.jobId(), job, record.timestamp(), LaneHeaders.of(envelope.trace())));
    }
}
