package dev.sluice.topology.stages;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.topology.stage.GatherStage;
import dev.sluice.topology.stage.StageContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Brings the chunks of a document back together, in order, as the job's {@link IngestedDocument}. */
public final class Assemble implements GatherStage<Chunk, IngestedDocument> {

    @Override
    public IngestedDocument gather(List<Chunk> parts, StageContext context) {
        List<Chunk> chunks = new ArrayList<>(parts);
        chunks.sort(Comparator.comparingInt(Chunk::getIndex));
        Document document = context.document();
        return IngestedDocument.newBuilder()
                .setDocumentId(document.getId())
                .setSourceUri(document.getSourceUri())
                .setContentType(document.getContentType())
                .setChunks(chunks)
                .build();
    }
}
