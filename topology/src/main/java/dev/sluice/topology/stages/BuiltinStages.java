package dev.sluice.topology.stages;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.topology.Pipeline;
import dev.sluice.topology.StageFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The built-in stages, by the names configuration files use, and the built-in {@code ingest}
 * pipeline: normalize -> split -> embed -> assemble.
 */
public final class BuiltinStages {

    public static final String INGEST = "ingest";

    public static final String SPLIT_SIZE_CONFIG = "size";
    public static final String SPLIT_OVERLAP_CONFIG = "overlap";
    public static final String EMBED_DIMENSION_CONFIG = "dimension";

    public static final int DEFAULT_CHUNK_SIZE = 800;
    public static final int DEFAULT_CHUNK_OVERLAP = 100;
    public static final int DEFAULT_DIMENSION = 256;

    private static final Map<String, StageFactory> CATALOG = catalog();

    private BuiltinStages() {
    }

    /** The built-in stage factories by name, in pipeline order. */
    public static Map<String, StageFactory> all() {
        return CATALOG;
    }

    /** The stage names of the built-in ingest pipeline, in order. */
    public static List<String> ingestStages() {
        return List.of("normalize", "split", "embed", "assemble");
    }

    /** The built-in ingest pipeline with default parameters. */
    public static Pipeline ingest() {
        return pipeline(INGEST, ingestStages().stream().map(n -> new StageSpec(n, Map.of())).toList());
    }

    /**
     * A chain of built-in stages, each with its parameters.
     *
     * @throws ConfigException naming the stage or parameter that is wrong
     */
    public static Pipeline pipeline(String name, List<StageSpec> specs) {
        Pipeline.Builder builder = Pipeline.builder(name);
        for (StageSpec spec : specs) {
            StageFactory factory = CATALOG.get(spec.name());
            if (factory == null) {
                throw new ConfigException("stages", spec.name(), "unknown stage; the built-in stages are "
                        + String.join(", ", CATALOG.keySet()));
            }
            builder.add(factory.create(spec.name(), spec.params()));
        }
        return builder.build();
    }

    /** One stage of a pipeline as a configuration file gives it. */
    public record StageSpec(String name, Map<String, ?> params) {
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
        catalog.put("assemble", new Factory("assemble", "the chunks of a document back into one result, in order",
                new ConfigDef(), (name, p) -> new Pipeline.StageDefinition(name, Pipeline.Kind.GATHER, Chunk.class,
                        IngestedDocument.class, new Assemble())));
        return java.util.Collections.unmodifiableMap(catalog);
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
