package dev.sluice.topology.stages;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.topology.pipeline.Expressions;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.pipeline.StageDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in stages, by the names configuration files use, and the built-in {@code ingest}
 * pipeline:
 * normalize -> route (documents over {@value #BULK_WORDS} words to lane {@code bulk}) -> split ->
 * enrich (broadcast) -> embed and keywords in parallel -> merge (join by chunk) -> assemble (gather).
 * {@code examples/ingest.yaml} describes the same pipeline.
 */
public final class BuiltinStages {

    public static final String INGEST = "ingest";
    public static final String BULK_LANE = "bulk";
    public static final int BULK_WORDS = 600;
    public static final String BULK_CONDITION = "words > " + BULK_WORDS;

    public static final String SPLIT_SIZE_CONFIG = "size";
    public static final String SPLIT_OVERLAP_CONFIG = "overlap";
    public static final String EMBED_DIMENSION_CONFIG = "dimension";
    public static final String KEYWORDS_COUNT_CONFIG = "count";

    public static final int DEFAULT_CHUNK_SIZE = 800;
    public static final int DEFAULT_CHUNK_OVERLAP = 100;
    public static final int DEFAULT_DIMENSION = 256;
    public static final int DEFAULT_KEYWORDS = 8;

    private BuiltinStages() {
    }

    /** The built-in ingest pipeline, built with the Java builder. */
    public static Pipeline ingest() {
        return Pipeline.builder(INGEST)
                .stage("normalize", Document.class, Document.class, new Normalize())
                .branch("route", Document.class, b -> b.whenLane(BULK_CONDITION, Expressions.parse(BULK_CONDITION), BULK_LANE))
                .flatMap("split", Document.class, Chunk.class, new Split(DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_OVERLAP))
                .broadcast("enrich", Chunk.class, "embed", "keywords")
                .stage("embed", Chunk.class, Chunk.class, new Embed(DEFAULT_DIMENSION))
                .stage("keywords", Chunk.class, Chunk.class, new Keywords(DEFAULT_KEYWORDS))
                .join("merge", "embed", "keywords", Chunk.class, Chunk.class, Chunk.class, new MergeChunks(),
                        StageDefinition.DEFAULT_JOIN_WINDOW)
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble(), StageDefinition.DEFAULT_GATHER_TIMEOUT)
                .build();
    }

    /** The built-in ingest pipeline as a configuration file's {@code stages} list says it. */
    public static List<Map<String, Object>> ingestConfig() {
        List<Map<String, Object>> stages = new ArrayList<>();
        stages.add(ordered("name", "normalize"));
        stages.add(ordered("name", "route", "branch", List.of(Map.of("when", BULK_CONDITION, "lane", BULK_LANE))));
        stages.add(ordered("name", "split", "params", ordered(SPLIT_SIZE_CONFIG, DEFAULT_CHUNK_SIZE,
                SPLIT_OVERLAP_CONFIG, DEFAULT_CHUNK_OVERLAP)));
        stages.add(ordered("name", "enrich", "broadcast", List.of("embed", "keywords")));
        stages.add(ordered("name", "embed", "params", ordered(EMBED_DIMENSION_CONFIG, DEFAULT_DIMENSION)));
        stages.add(ordered("name", "keywords", "params", ordered(KEYWORDS_COUNT_CONFIG, DEFAULT_KEYWORDS)));
        stages.add(ordered("name", "merge", "join", List.of("embed", "keywords"), "window", "30s"));
        stages.add(ordered("name", "assemble", "gather", Map.of("timeout", "30s")));
        return stages;
    }

    /** A map of {@code keysAndValues} in their order, as YAML gives a stage's keys or its params. */
    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
