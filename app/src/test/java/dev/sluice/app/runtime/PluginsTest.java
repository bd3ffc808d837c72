package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.app.PluginJar;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.JobStatus;
import dev.sluice.testkit.PipelineTestDriver;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.pipeline.StageDefinition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginsTest {

    private static final String STAGES = """
            pipeline: plugged
            stages:
              - {name: shout, class: %s}
              - {name: exclaim, type: %s, params: {marks: 2}}
            """.formatted(PluginJar.SHOUT, PluginJar.EXCLAIM);

    @TempDir
    Path dir;
    private ClassLoader before;

    @BeforeEach
    void rememberTheContextClassLoader() {
        before = Thread.currentThread().getContextClassLoader();
    }

    @AfterEach
    void restoreTheContextClassLoader() {
        Thread.currentThread().setContextClassLoader(before);
    }

    @Test
    void shouldRunStagesFromAJarInThePluginsDirectoryByClassAndByFactoryType() throws Exception {
        Path plugins = dir.resolve("plugins");
        PluginJar.build(dir, plugins);
        assertThatThrownBy(() -> Class.forName(PluginJar.SHOUT)).as("not on the tests' class path")
                .isInstanceOf(ClassNotFoundException.class);
        Path config = Files.writeString(dir.resolve("plugged.yaml"), STAGES + "plugins: {path: " + plugins + "}\n");

        Pipeline pipeline = ConfigLoader.load(config, Map.of(), Map.of()).pipeline();

        assertThat(pipeline.stage("shout", StageDefinition.Map.class).stage().getClass().getClassLoader().getName()).isEqualTo("sluice-plugins");
        try (var driver = PipelineTestDriver.of(pipeline)) {
            var result = driver.result(driver.submit("job", "plugged in"));
            assertThat(result.getStatus()).isEqualTo(JobStatus.COMPLETED);
            assertThat(((Document) result.getOutput()).getText()).isEqualTo("PLUGGED IN!!");
        }
    }

    @Test
    void shouldNameTheClassWhenNoPluginHasIt() throws Exception {
        Path config = Files.writeString(dir.resolve("plugged.yaml"), STAGES);
        assertThatThrownBy(() -> ConfigLoader.load(config, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("stages.shout.class")
                .hasMessageContaining(PluginJar.SHOUT).hasMessageContaining("no such class");
    }

    @Test
    void shouldStopAtStartUpOnAPluginsPathThatIsNoDirectoryOrHoldsABrokenJar() throws Exception {
        Path config = Files.writeString(dir.resolve("plugged.yaml"), STAGES);
        Path missing = dir.resolve("no-such-dir");
        assertThatThrownBy(() -> ConfigLoader.load(config, Map.of(), Map.of("plugins.path", missing)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("plugins.path")
                .hasMessageContaining("is not a directory");
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Files.writeString(plugins.resolve("broken.jar"), "not a zip file");
        assertThatThrownBy(() -> ConfigLoader.load(config, Map.of("SLUICE_PLUGINS_PATH", plugins.toString()), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("plugins.path")
                .hasMessageContaining("broken.jar, which is not a jar that can be read");
    }
}
