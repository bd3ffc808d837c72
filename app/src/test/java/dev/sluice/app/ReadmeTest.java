package dev.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.pipeline.StageFactories;
import dev.sluice.topology.pipeline.StageFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

/** The README's tables of settings and stages say what the code does. */
class ReadmeTest {

    private static String readme() throws IOException {
        return Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    }

    @Test
    void shouldListEverySettingWithItsDefault() throws IOException {
        String readme = readme();
        for (ConfigDef.ConfigKey key : SluiceConfig.CONFIG_DEF.configKeys().values()) {
            String row = "| `" + key.name + "` | `" + key.defaultValue + "` |";
            assertThat(readme).as("README row for %s", key.name).contains(row);
        }
    }

    @Test
    void shouldListEveryBuiltinStageWithItsParameterDefaults() throws IOException {
        String readme = readme();
        for (StageFactory factory : StageFactories.available().values()) {
            assertThat(readme).contains("| `" + factory.type() + "` |");
            for (ConfigDef.ConfigKey key : factory.params().configKeys().values()) {
                assertThat(readme).as("README parameter %s of %s", key.name, factory.type())
                        .contains("`" + key.name + "` (" + key.defaultValue + ")");
            }
        }
    }

    @Test
    void shouldGiveTheTwoCommandsThatCiAndUsersRun() throws IOException {
        String install = "apt-get update && apt-get install -y chromium chromium-driver";
        assertThat(readme()).contains("./sluice demo", "mvn -B verify", install);
        assertThat(Files.readString(Path.of("..", ".ci", "run"), StandardCharsets.UTF_8)).contains("\nmvn -B verify\n",
                "  " + install + "\n");
    }
}
