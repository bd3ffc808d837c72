package dev.sluice.topology.internal;

import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Turns a job that a branch sends to a lane back into a Job record, its document as the stages
 * before the branch left it, its trace so far in a header.
 */
final class LaneWriter extends ContextualProcessor<String, Flow, String, Job> {

    @Override
    public void process(Record<String, Flow> record) {
        Flow.Envelope envelope = ((Flow.Routed) record.value()).envelope();
        Job job = envelope.payload() instanceof Job j ? j
                : Job.newBuilder(envelope.job()).setDocument((Document) envelope.payload()).build();
        context().forward(new Record<>(envelope.jobId(), job, record.timestamp(), LaneHeaders.of(envelope.trace())));
    }
}
