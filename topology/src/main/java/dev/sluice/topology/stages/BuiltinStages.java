package dev.sluice.topology.stages;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.topology.Expressions;
import dev.sluice.topology.Pipeline;
import dev.sluice.topology.StageFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;

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

    private static final Map<String, StageFactory> CATALOG = catalog();

    private BuiltinStages() {
    }

    /** The built-in stage factories by name. */
    public static Map<String, StageFactory> all() {
        return CATALOG;
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
                        Pipeline.DEFAULT_JOIN_WINDOW)
                .gather("assemble", Chunk.class, IngestedDocument.class, new Assemble(), Pipeline.DEFAULT_GATHER_TIMEOUT)
                .build();
    }

    /** The built-in ingest pipeline as a configuration file's {@code stages} list says it. */
    public static List<Map<String, Object>> ingestConfig() {
        List<Map<String, Object>> stages = new ArrayList<>();
        stages.add(stage("name", "normalize"));
        stages.add(stage("name", "route", "branch", List.of(Map.of("when", BULK_CONDITION, "lane", BULK_LANE))));
        stages.add(stage("name", "split", "params", params(SPLIT_SIZE_CONFIG, DEFAULT_CHUNK_SIZE,
                SPLIT_OVERLAP_CONFIG, DEFAULT_CHUNK_OVERLAP)));
        stages.add(stage("name", "enrich", "broadcast", List.of("embed", "keywords")));
        stages.add(stage("name", "embed", "params", params(EMBED_DIMENSION_CONFIG, DEFAULT_DIMENSION)));
        stages.add(stage("name", "keywords", "params", params(KEYWORDS_COUNT_CONFIG, DEFAULT_KEYWORDS)));
        stages.add(stage("name", "merge", "join", List.of("embed", "keywords"), "window", "30s"));
        stages.add(stage("name", "assemble", "gather", Map.of("timeout", "30s")));
        return stages;
    }

    private static Map<String, Object> stage(Object... keysAndValues) {
        Map<String, Object> stage = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            stage.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return stage;
    }

    private static Map<String, Object> params(Object... keysAndValues) {
        Map<String, Object> params = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            params.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return params;
    }

    private static Map<String, StageFactory> catalog() {
        Map<String, StageFactory> catalog = new LinkedHashMap<>();
        catalog.put("normalize", new Factory("normalize", "Unicode NFC and white space clean-up of the document text",
                new ConfigDef(), (name, p) -> new Pipeline.StageDefinition(name, Pipeline.Kind.STAGE,
                        Document.class, Document.class, new Normalize())));
        catalog.put("split", new Factory("split", "the document into overlapping chunks at word boundaries",
                new ConfigDef()
                        .define(SPLIT_SIZE_CONFIG, ConfigDef.Type.INT, DEFAULT_CHUNK_SIZE, ConfigDef.Range.atLeast(1),
                                ConfigDef.Importance.HIGH, "Chunk size in characters; a job's split task may override it.")
                        .define(SPLIT_OVERLAP_CONFIG, ConfigDef.Type.INT, DEFAULT_CHUNK_OVERLAP, ConfigDef.Range.atLeast(0),
                                ConfigDef.Importance.MEDIUM, "Characters shared by neighbouring chunks; less than size."),
                (name, p) -> new Pipeline.StageDefinition(name, Pipeline.Kind.FLAT_MAP, Document.class, Chunk.class,
                        new Split(p.getInt(SPLIT_SIZE_CONFIG), p.getInt(SPLIT_OVERLAP_CONFIG)))));
        catalog.put("embed", new Factory("embed", "a deterministic feature-hashing vector for each chunk",
                new ConfigDef().define(EMBED_DIMENSION_CONFIG, ConfigDef.Type.INT, DEFAULT_DIMENSION,
                        ConfigDef.Range.between(1, 65_536), ConfigDef.Importance.HIGH, "Length of the embedding vector."),
                (name, p) -> new Pipeline.StageDefinition(name, Pipeline.Kind.STAGE, Chunk.class, Chunk.class,
                        new Embed(p.getInt(EMBED_DIMENSION_CONFIG)))));
        catalog.put("keywords", new Factory("keywords", "the most frequent telling words of each chunk",
                new ConfigDef().define(KEYWORDS_COUNT_CONFIG, ConfigDef.Type.INT, DEFAULT_KEYWORDS,
                        ConfigDef.Range.between(1, 1_000), ConfigDef.Importance.MEDIUM, "Most keywords per chunk."),
                (name, p) -> new Pipeline.StageDefinition(name, Pipeline.Kind.STAGE, Chunk.class, Chunk.class,
                        new Keywords(p.getInt(KEYWORDS_COUNT_CONFIG)))));
        catalog.put("merge", new Factory("merge", "one chunk's embedding and keywords, joined from two paths",
                new ConfigDef(), (name, p) -> new Pipeline.StageDefinition(name, Pipeline.Kind.JOIN, Chunk.class,
                        Chunk.class, new Pipeline.JoinSides(new MergeChunks(), Chunk.class, Chunk.class))));
        catalog.put("assemble", new Factory("assemble", "the chunks of a document back into one result, in order",
                new ConfigDef(), (name, p) -> new Pipeline.StageDefinition(name, Pipeline.Kind.GATHER, Chunk.class,
                        IngestedDocument.class, new Assemble())));
        return Collections.unmodifiableMap(catalog);
    }


    private interface Maker {
        Pipeline.StageDefinition make(String name, AbstractConfig params);
    }

    private record Factory(String type, String description, ConfigDef params, Maker maker) implements StageFactory {
        @Override
        public Pipeline.StageDefinition create(String name, AbstractConfig params) {
            return maker.make(name, params);
        }
    }
}
