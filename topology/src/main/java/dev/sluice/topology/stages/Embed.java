package dev.sluice.topology.stages;

import dev.sluice.schemas.Chunk;
import dev.sluice.topology.BatchStage;
import dev.sluice.topology.Emitter;
import dev.sluice.topology.Stage;
import dev.sluice.topology.StageContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Embeds a chunk as a feature-hashing vector (the "hashing trick"): each lower-cased word and each
 * pair of adjacent words is hashed (MurmurHash3, fixed seeds) to one of {@code dimension} buckets
 * with a hashed sign, counts are damped ({@code 1 + ln(count)}) and the vector is L2-normalized.
 * Real and repeatable: the same text gives the same vector on every machine, and texts that share
 * words get close vectors. A chunk without words gets the zero vector. Runs per chunk, or on batches
 * ({@code batch: {size, linger}} in a configuration file) the way a call to an embedding service would.
 */
public final class Embed implements Stage<Chunk, Chunk>, BatchStage<Chunk, Chunk> {

    private static final int INDEX_SEED = 0x5eed_0001;
    private static final int SIGN_SEED = 0x5eed_0002;

    private final int dimension;

    public Embed(int dimension) {
        if (dimension < 1) {
            throw new IllegalArgumentException("embedding dimension must be at least 1, was " + dimension);
        }
        this.dimension = dimension;
    }

    @Override
    public void process(Chunk input, StageContext context, Emitter<Chunk> out) {
        out.emit(Chunk.newBuilder(input).setEmbedding(embed(input.getText())).build());
    }

    /** Embeds a batch of chunks, as an embedding service would in one call. */
    @Override
    public List<Chunk> process(List<Chunk> inputs) {
        List<Chunk> outputs = new ArrayList<>(inputs.size());
        for (Chunk input : inputs) {
            outputs.add(Chunk.newBuilder(input).setEmbedding(embed(input.getText())).build());
        }
        return outputs;
    }

    /** The embedding of {@code text}. */
    public List<Float> embed(String text) {
        double[] counts = new double[dimension];
        List<String> words = Words.of(text);
        StringBuilder pair = new StringBuilder(32);
        for (int i = 0; i < words.size(); i++) {
            add(counts, words.get(i));
            if (i > 0) {
                pair.setLength(0);
                add(counts, pair.append(words.get(i - 1)).append(' ').append(words.get(i)));
            }
        }
        double norm = 0;
        for (int i = 0; i < dimension; i++) {
            double c = counts[i];
            double damped = c == 0 ? 0 : Math.signum(c) * (1 + Math.log(Math.abs(c)));
            counts[i] = damped;
            norm += damped * damped;
        }
        norm = Math.sqrt(norm);
        List<Float> vector = new ArrayList<>(dimension);
        for (int i = 0; i < dimension; i++) {
            vector.add(norm == 0 ? 0f : (float) (counts[i] / norm));
        }
        return vector;
    }

    private void add(double[] counts, CharSequence feature) {
        int bucket = Math.floorMod(Murmur3.hash(feature, INDEX_SEED), dimension);
        counts[bucket] += (Murmur3.hash(feature, SIGN_SEED) & 1) == 0 ? 1 : -1;
    }

    @Override
    public String toString() {
        return "Embed[dimension=" + dimension + "]";
    }
}
