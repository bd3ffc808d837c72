package dev.sluice.topology.stages;

import dev.sluice.schemas.Chunk;
import dev.sluice.topology.pipeline.WordScanner;
import dev.sluice.topology.stage.BatchStage;
import dev.sluice.topology.stage.Emitter;
import dev.sluice.topology.stage.Stage;
import dev.sluice.topology.stage.StageContext;
import java.util.ArrayList;
import java.util.Arrays;
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

    /** {@code 1 + ln(count)} for counts below 1024 (index 0 unused). */
    private static final double[] DAMPED = new double[1024];

    static {
        for (int count = 1; count < DAMPED.length; count++) {
            DAMPED[count] = 1 + Math.log(count);
        }
    }

    private final int dimension;

    public Embed(int dimension) {
        if (dimension < 1) {
            throw new IllegalArgumentException("embedding dimension must be at least 1, was " + dimension);
        }
        this.dimension = dimension;
    }

    @Override
    public void process(Chunk input, StageContext context, Emitter<Chunk> out) {
        out.emit(Chunks.with(input, embed(input.getText()), input.getKeywords()));
    }

    /** Embeds a batch of chunks, as an embedding service would in one call. */
    @Override
    public List<Chunk> process(List<Chunk> inputs) {
        List<Chunk> outputs = new ArrayList<>(inputs.size());
        for (Chunk input : inputs) {
            outputs.add(Chunks.with(input, embed(input.getText()), input.getKeywords()));
        }
        return outputs;
    }

    /** The embedding of {@code text}. */
    public List<Float> embed(String text) {
        int[] counts = new int[dimension];
        WordScanner words = new WordScanner(text);
        // the previous word, then a space, then the current one: the pair feature, made in place
        char[] pair = new char[64];
        int previous = -1;
        while (words.next()) {
            char[] word = words.chars();
            int length = words.length();
            add(counts, word, length);
            if (pair.length < Math.max(previous, 0) + 1 + length) {
                pair = Arrays.copyOf(pair, 2 * (Math.max(previous, 0) + 1 + length));
            }
            if (previous >= 0) {
                pair[previous] = ' ';
                System.arraycopy(word, 0, pair, previous + 1, length);
                add(counts, pair, previous + 1 + length);
            }
            System.arraycopy(word, 0, pair, 0, length);
            previous = length;
        }
        double[] damped = new double[dimension];
        double norm = 0;
        for (int i = 0; i < dimension; i++) {
            int c = counts[i];
            double d = c == 0 ? 0 : Math.signum(c) * damp(Math.abs(c));
            damped[i] = d;
            norm += d * d;
        }
        norm = Math.sqrt(norm);
        Float[] vector = new Float[dimension];
        for (int i = 0; i < dimension; i++) {
            vector[i] = norm == 0 ? 0f : (float) (damped[i] / norm);
        }
        return new ArrayList<>(Arrays.asList(vector));
    }

    /** {@code 1 + ln(count)}, from a table for the counts a chunk usually has. */
    private static double damp(int count) {
        return count < DAMPED.length ? DAMPED[count] : 1 + Math.log(count);
    }

    /** Counts the feature {@code chars[0, length)}: +1 or -1, by its sign hash, in its bucket. */
    private void add(int[] counts, char[] chars, int length) {
        long hashes = Murmur3.hash2(chars, length, INDEX_SEED, SIGN_SEED);
        int bucket = Math.floorMod((int) (hashes >>> 32), dimension);
        counts[bucket] += (hashes & 1) == 0 ? 1 : -1;
    }

    @Override
    public String toString() {
        return "Embed[dimension=" + dimension + "]";
    }
}
