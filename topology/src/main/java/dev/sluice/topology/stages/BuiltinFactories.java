package dev.sluice.topology.stages;

import static dev.sluice.topology.stages.BuiltinStages.DEFAULT_CHUNK_OVERLAP;
import static dev.sluice.topology.stages.BuiltinStages.DEFAULT_CHUNK_SIZE;
import static dev.sluice.topology.stages.BuiltinStages.DEFAULT_DIMENSION;
import static dev.sluice.topology.stages.BuiltinStages.DEFAULT_KEYWORDS;
import static dev.sluice.topology.stages.BuiltinStages.EMBED_DIMENSION_CONFIG;
import static dev.sluice.topology.stages.BuiltinStages.KEYWORDS_COUNT_CONFIG;
import static dev.sluice.topology.stages.BuiltinStages.SPLIT_OVERLAP_CONFIG;
import static dev.sluice.topology.stages.BuiltinStages.SPLIT_SIZE_CONFIG;

import dev.sluice.schemas.Chunk;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.IngestedDocument;
import dev.sluice.topology.pipeline.StageDefinition;
import dev.sluice.topology.pipeline.StageFactory;
import java.util.function.BiFunction;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The factories of the built-in stages, registered in
 * {@code META-INF/services/dev.sluice.topology.pipeline.StageFactory} as a plugin's would be.
 */
public final class BuiltinFactories {

    private BuiltinFactories() {
    }

    /** A factory from its type, description, parameters and how it makes the stage. */
    private abstract static class Builtin implements StageFactory {
        private final String type;
        private final String description;
        private final ConfigDef params;
        private final BiFunction<String, AbstractConfig, StageDefinition> maker;

        Builtin(String type, String description, ConfigDef params,
                BiFunction<String, AbstractConfig, StageDefinition> maker) {
            this.type = type;
            this.description = description;
            this.params = params;
            this.maker = maker;
        }

        @Override
        public String type() {
            return type;
        }

        @Override
        public String description() {
            return description;
        }

        @Override
        public ConfigDef params() {
            return params;
        }

        @Override
        public StageDefinition create(String name, AbstractConfig params) {
            return maker.apply(name, params);
        }
    }

    /** {@code normalize}: see {@link Normalize}. */
    public static final class NormalizeFactory extends Builtin {
        public NormalizeFactory() {
            super("normalize", "Unicode NFC and white space clean-up of the document text", new ConfigDef(),
                    (name, p) -> new StageDefinition.Map(name, Document.class, Document.class, new Normalize()));
        }
    }

    /** {@code split}: see {@link Split}. */
    public static final class SplitFactory extends Builtin {
        public SplitFactory() {
            super("split", "the document into overlapping chunks at word boundaries", new ConfigDef()
                            .define(SPLIT_SIZE_CONFIG, Type.INT, DEFAULT_CHUNK_SIZE, Range.atLeast(1), Importance.HIGH,
                                    "Chunk size in characters; a job's split task may override it.")
                            .define(SPLIT_OVERLAP_CONFIG, Type.INT, DEFAULT_CHUNK_OVERLAP, Range.atLeast(0),
                                    Importance.MEDIUM, "Characters shared by neighbouring chunks; less than size."),
                    (name, p) -> new StageDefinition.FlatMap(name, Document.class, Chunk.class,
                            new Split(p.getInt(SPLIT_SIZE_CONFIG), p.getInt(SPLIT_OVERLAP_CONFIG))));
        }
    }

    /** {@code embed}: see {@link Embed}. */
    public static final class EmbedFactory extends Builtin {
        public EmbedFactory() {
            super("embed", "a deterministic feature-hashing vector for each chunk", new ConfigDef()
                            .define(EMBED_DIMENSION_CONFIG, Type.INT, DEFAULT_DIMENSION, Range.between(1, 65_536),
                                    Importance.HIGH, "Length of the embedding vector."),
                    (name, p) -> new StageDefinition.Map(name, Chunk.class, Chunk.class,
                            new Embed(p.getInt(EMBED_DIMENSION_CONFIG))));
        }
    }

    /** {@code keywords}: see {@link Keywords}. */
    public static final class KeywordsFactory extends Builtin {
        public KeywordsFactory() {
            super("keywords", "the most frequent telling words of each chunk", new ConfigDef()
                            .define(KEYWORDS_COUNT_CONFIG, Type.INT, DEFAULT_KEYWORDS, Range.between(1, 1_000),
                                    Importance.MEDIUM, "Most keywords per chunk."),
                    (name, p) -> new StageDefinition.Map(name, Chunk.class, Chunk.class,
                            new Keywords(p.getInt(KEYWORDS_COUNT_CONFIG))));
        }
    }

    /** {@code merge}: see {@link MergeChunks}. */
    public static final class MergeFactory extends Builtin {
        public MergeFactory() {
            super("merge", "one chunk's embedding and keywords, joined from two paths", new ConfigDef(),
                    (name, p) -> new StageDefinition.Join(name, Chunk.class, Chunk.class, Chunk.class,
                            new MergeChunks()));
        }
    }

    /** {@code assemble}: see {@link Assemble}. */
    public static final class AssembleFactory extends Builtin {
        public AssembleFactory() {
            super("assemble", "the chunks of a document back into one result, in order", new ConfigDef(),
                    (name, p) -> new StageDefinition.Gather(name, Chunk.class, IngestedDocument.class,
                            new Assemble()));
        }
    }
}
