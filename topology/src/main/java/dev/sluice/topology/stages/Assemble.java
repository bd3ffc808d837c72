package dev.sluice.topology.stages;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.topology.stage.GatherStage;
import dev.sluice.topology.stage.StageContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Brings the chunks of a document back together, in order, as the job's {@link IngestedDocument}: the
 * document's id, source, content type and metadata from its chunks (which {@link Split} gave them),
 * said once.
 * When no chunk reached it (a filter dropped them all) the document's id and source are unknown here,
 * and empty.
 */
public final class Assemble implements GatherStage<Chunk, IngestedDocument> {

    @Override
    public IngestedDocument gather(List<Chunk> parts, StageContext context) {
        List<Chunk> sorted = new ArrayList<>(parts);
        sorted.sort(Comparator.comparingInt(Chunk::getIndex));
        Chunk first = sorted.isEmpty() ? null : sorted.get(0);
        List<Chunk> chunks = new ArrayList<>(sorted.size());
        for (Chunk chunk : sorted) {
            chunks.add(Chunks.inDocument(chunk));
        }
        String contentType = first == null || first.getContentType() == null ? "text/plain" : first.getContentType();
        return IngestedDocument.newBuilder()
                .setDocumentId(first == null ? "" : first.getDocumentId())
                .setSourceUri(first == null ? null : first.getSourceUri())
                .setContentType(contentType)
                .setChunks(chunks)
                .setMetadata(first == null || first.getMetadata() == null ? Map.of() : first.getMetadata())
                .build();
    }
}
