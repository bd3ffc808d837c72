package dev.sluice.extract;

import dev.sluice.schemas.Document;
import dev.sluice.topology.pipeline.StageDefinition;
import dev.sluice.topology.pipeline.StageFactory;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * {@code extract}: see {@link Extract}. Registered in
 * {@code META-INF/services/dev.sluice.topology.pipeline.StageFactory}, as a plugin's factory is; each
 * call is limited to {@link Extract#DEFAULT_TIME_LIMIT} unless the stage's {@code time-limit} says
 * otherwise.
 */
public final class ExtractFactory implements StageFactory {

    public static final String TYPE = "extract";
    public static final String MAX_BYTES_CONFIG = "max-bytes";
    public static final String MAX_CHARS_CONFIG = "max-chars";

    private static final ConfigDef PARAMS = new ConfigDef()
            .define(MAX_BYTES_CONFIG, Type.LONG, Extract.DEFAULT_MAX_BYTES, Range.atLeast(1), Importance.HIGH,
                    "The most bytes a document may have; a larger one fails at the stage.")
            .define(MAX_CHARS_CONFIG, Type.INT, Extract.DEFAULT_MAX_CHARS, Range.atLeast(1), Importance.MEDIUM,
                    "The most characters of text a document may give; one that gives more (a zip bomb) fails.");

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String description() {
        return "the text, metadata and pages of a PDF, Office, OpenDocument, HTML, EPUB, RTF or Markdown document";
    }

    @Override
    public ConfigDef params() {
        return PARAMS;
    }

    @Override
    public StageDefinition create(String name, AbstractConfig params) {
        return new StageDefinition.Map(name, Document.class, Document.class,
                new Extract(params.getLong(MAX_BYTES_CONFIG), params.getInt(MAX_CHARS_CONFIG)))
                .withTimeLimit(Extract.DEFAULT_TIME_LIMIT);
    }
}
