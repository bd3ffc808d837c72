package dev.sluice.topology.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.schemas.Document;
import dev.sluice.topology.stage.Stage;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StageFactoriesTest {

    @TempDir
    Path plugin;

    @Test
    void shouldFindTheBuiltinStagesThroughTheServiceLoader() {
        assertThat(StageFactories.available().keySet())
                .containsExactly("normalize", "split", "embed", "keywords", "merge", "assemble");
    }

    @Test
    void shouldMakeAStageThatAPluginJarRegistersFromItsType() throws IOException {
        ClassLoader loader = pluginLoader(Upper.class);
        ClassLoader before = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(loader);
        try {
            assertThat(StageFactories.available(loader)).containsKeys("normalize", "upper");
            Pipeline pipeline = PipelineConfig.fromConfig("plugged", List.of(Map.of("name", "shout", "type", "upper")));
            assertThat(pipeline.stage("shout", StageDefinition.Map.class).stage()).isInstanceOf(Stage.class);
        } finally {
            Thread.currentThread().setContextClassLoader(before);
        }
    }

    @Test
    void shouldRefuseTwoFactoriesOfOneTypeNamingBoth() throws IOException {
        ClassLoader loader = pluginLoader(Upper.class, OtherUpper.class);
        assertThatThrownBy(() -> StageFactories.available(loader))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'upper'")
                .hasMessageContaining(Upper.class.getName())
                .hasMessageContaining(OtherUpper.class.getName());
    }

    /** A class loader like a plugin jar's: a services file naming {@code factories}, over this class path. */
    private ClassLoader pluginLoader(Class<?>... factories) throws IOException {
        Path services = plugin.resolve("META-INF/services");
        Files.createDirectories(services);
        StringBuilder names = new StringBuilder();
        for (Class<?> factory : factories) {
            names.append(factory.getName()).append('\n');
        }
        Files.writeString(services.resolve(StageFactory.class.getName()), names);
        return new URLClassLoader(new URL[] {plugin.toUri().toURL()}, getClass().getClassLoader());
    }

    /** A plugin's stage: the document's text in upper case. */
    public static class Upper implements StageFactory {
        @Override
        public String type() {
            return "upper";
        }

        @Override
        public String description() {
            return "the text in upper case";
        }

        @Override
        public ConfigDef params() {
            return new ConfigDef();
        }

        @Override
        public StageDefinition create(String name, AbstractConfig params) {
            Stage<Document, Document> upper = Stage.map(d -> Document.newBuilder(d)
                    .setText(d.getText().toUpperCase(Locale.ROOT)).build());
            return new StageDefinition.Map(name, Document.class, Document.class, upper);
        }
    }

    /** Another plugin that claims the same type. */
    public static final class OtherUpper extends Upper {
    }
}
