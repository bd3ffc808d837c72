package dev.sluice.topology.stages;

import dev.sluice.schemas.Chunk;
import java.util.List;

/**
 * A chunk with new enrichments, sharing the rest with the chunk it came from. Avro's
 * {@code Chunk.newBuilder(chunk)} deep-copies every field, a 256-float embedding included, on each
 * of the three stages a chunk passes; the fields are never changed once built, so sharing is safe.
 */
final class Chunks {

    private Chunks() {
    }

    static Chunk with(Chunk chunk, List<Float> embedding, List<String> keywords) {
        return new Chunk(chunk.getDocumentId(), chunk.getIndex(), chunk.getStart(), chunk.getEnd(), chunk.getText(),
                embedding, keywords, chunk.getSourceUri(), chunk.getContentType(), chunk.getPages(), chunk.getMetadata());
    }

    /**
     * The chunk without its document's source, content type and metadata, which its IngestedDocument
     * says once.
     */
    static Chunk inDocument(Chunk chunk) {
        return new Chunk(chunk.getDocumentId(), chunk.getIndex(), chunk.getStart(), chunk.getEnd(), chunk.getText(),
                chunk.getEmbedding(), chunk.getKeywords(), null, null, chunk.getPages(), null);
    }
}
