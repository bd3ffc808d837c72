package dev.sluice.topology.stages;

import dev.sluice.schemas.Chunk;
import dev.sluice.topology.stage.JoinStage;
import dev.sluice.topology.stage.StageContext;

/**
 * Joins the two enrichments of one chunk: the left chunk with the right chunk's keywords, and the
 * right's embedding where the left has none.
 */
public final class MergeChunks implements JoinStage<Chunk, Chunk, Chunk> {

    @Override
    public Chunk join(Chunk left, Chunk right, StageContext context) {
        if (left.getIndex() != right.getIndex()) {
            throw new IllegalStateException("join paired chunk " + left.getIndex() + " with chunk " + right.getIndex());
        }
        return Chunks.with(left, left.getEmbedding().isEmpty() ? right.getEmbedding() : left.getEmbedding(),
                left.getKeywords().isEmpty() ? right.getKeywords() : left.getKeywords());
    }
}
