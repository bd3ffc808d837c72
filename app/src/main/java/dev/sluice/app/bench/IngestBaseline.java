package dev.sluice.app.bench;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.PayloadType;
import dev.sluice.topology.internal.BoundContext;
import dev.sluice.topology.stage.StageContext;
import dev.sluice.topology.stages.Assemble;
import dev.sluice.topology.stages.BuiltinStages;
import dev.sluice.topology.stages.Embed;
import dev.sluice.topology.stages.Keywords;
import dev.sluice.topology.stages.MergeChunks;
import dev.sluice.topology.stages.Normalize;
import dev.sluice.topology.stages.Split;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The built-in ingest pipeline's work without Sluice: the same stage classes on the same jobs, as a
 * hand-written Kafka Streams application ({@code floor.ingest}) and as a plain loop on one thread
 * ({@code limit.ingest}). Neither routes, keeps statuses or sends events: they are what the work
 * itself costs, on the engine and on a bare thread.
 */
final class IngestBaseline {

    private final Normalize normalize = new Normalize();
    private final Split split = new Split(BuiltinStages.DEFAULT_CHUNK_SIZE, BuiltinStages.DEFAULT_CHUNK_OVERLAP);
    private final Embed embed = new Embed(BuiltinStages.DEFAULT_DIMENSION);
    private final Keywords keywords = new Keywords(BuiltinStages.DEFAULT_KEYWORDS);
    private final MergeChunks merge = new MergeChunks();
    private final Assemble assemble = new Assemble();
    private final Deserializer<Document> documents;
    private final Serializer<IngestedDocument> outputs;

    /** With the payload serdes of {@code serdes}: jobs carry a Document, results an IngestedDocument. */
    IngestBaseline(AvroSerdes serdes) {
        this.documents = serdes.payloadSerde(PayloadType.of(Document.class)).deserializer();
        this.outputs = serdes.payloadSerde(PayloadType.of(IngestedDocument.class)).serializer();
    }

    /** A chunk on its way to the aggregate, with what the aggregate needs of its job. */
    private record Part(Job job, Chunk chunk, int count) {
    }

    /**
     * The floor: split with flatMapValues (normalize first), embed, keywords and merge in one
     * mapValues, and the chunks aggregated by job id (a changelogged store) into the result, which
     * goes out once its last chunk is in. Records keep the job id as their key, so nothing is
     * repartitioned. The store's cache sends an aggregate on at commit, so run it with a short
     * {@code commit.interval.ms}.
     */
    Topology floor(String in, String out, AvroSerdes serdes) {
        String resultsTopic = out;
        Serde<Job> jobs = serdes.valueSerde(Job.class);
        Serde<JobResult> results = serdes.valueSerde(JobResult.class);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.String(), jobs).withName("floor.source"))
                .flatMapValues(this::split, Named.as("floor.split"))
                .mapValues(this::enrich, Named.as("floor.enrich"))
                .groupByKey(Grouped.with("floor.group", Serdes.String(), null))
                .aggregate(() -> null, (id, part, partial) -> add(part, partial), Named.as("floor.assemble"),
                        Materialized.<String, JobResult, KeyValueStore<Bytes, byte[]>>as("floor.chunks")
                                .withKeySerde(Serdes.String()).withValueSerde(results))
                .toStream(Named.as("floor.results"))
                .filter((id, result) -> !result.getPartial(), Named.as("floor.complete"))
                .mapValues(result -> withPayload(result, resultsTopic), Named.as("floor.payload"))
                .to(out, Produced.with(Serdes.String(), results).withName("floor.sink"));
        return builder.build();
    }

    /** The limit: {@code jobs} decoded, run through every stage and encoded as results, on this thread. */
    Measured loop(List<byte[]> jobs, Serde<Job> jobSerde, Serde<JobResult> resultSerde, String topic) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long bytes = 0;
        for (byte[] value : jobs) {
            Job job = jobSerde.deserializer().deserialize(topic, value);
            JobResult result = null;
            for (Part part : split(job)) {
                result = add(enrich(part), result);
            }
            bytes += resultSerde.serializer().serialize(topic, withPayload(result, topic)).length;
        }
        return new Measured(jobs.size(), System.nanoTime() - t0, threads.getCurrentThreadCpuTime() - cpu0, bytes);
    }

    /** What the loop took: wall and CPU nanoseconds for {@code jobs}, and the bytes of their results. */
    record Measured(int jobs, long wallNanos, long cpuNanos, long resultBytes) {
    }

    private List<Part> split(Job job) {
        StageContext context = BoundContext.of(job, "split");
        List<Document> normalized = new ArrayList<>(1);
        List<Chunk> chunks = new ArrayList<>();
        normalize.process(documents.deserialize("", Jobs.bytes(job.getPayload())), context, normalized::add);
        split.process(normalized.get(0), context, chunks::add);
        List<Part> parts = new ArrayList<>(chunks.size());
        for (Chunk chunk : chunks) {
            parts.add(new Part(job, chunk, chunks.size()));
        }
        return parts;
    }

    private Part enrich(Part part) {
        StageContext context = BoundContext.of(part.job(), "enrich");
        List<Chunk> embedded = new ArrayList<>(1);
        List<Chunk> described = new ArrayList<>(1);
        embed.process(part.chunk(), context, embedded::add);
        keywords.process(part.chunk(), context, described::add);
        return new Part(part.job(), merge.join(embedded.get(0), described.get(0), context), part.count());
    }

    /** The job's result so far with one more chunk: partial until the last is in, then assembled. */
    private JobResult add(Part part, JobResult partial) {
        Job job = part.job();
        List<Chunk> chunks = new ArrayList<>(partial == null ? List.of()
                : ((IngestedDocument) partial.getOutput()).getChunks());
        chunks.add(part.chunk());
        boolean complete = chunks.size() == part.count();
        IngestedDocument output = complete ? assemble.gather(chunks, BoundContext.of(job, "assemble"))
                : IngestedDocument.newBuilder().setDocumentId(part.chunk().getDocumentId()).setSourceUri(null)
                        .setChunks(chunks).build();
        return JobResult.newBuilder().setJobId(job.getJobId()).setStatus(JobStatus.COMPLETED)
                .setCompletedAt(Instant.now()).setAttributes(job.getAttributes()).setOutput(output)
                .setPartial(!complete).build();
    }

    /** The complete result as it goes out: its output in its payload, in the wire format of its own schema. */
    private JobResult withPayload(JobResult result, String topic) {
        byte[] payload = outputs.serialize(topic, (IngestedDocument) result.getOutput());
        result.setOutput(null);
        result.setPayload(ByteBuffer.wrap(payload));
        return result;
    }
}
