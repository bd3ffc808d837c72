package dev.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.app.bench.PageTables;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.pipeline.StageFactories;
import dev.sluice.topology.pipeline.StageFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

/** The pages in docs/ say what the code does, where they state a fact a test can check. */
class DocsTest {

    static String page(String name) throws IOException {
        return Files.readString(Path.of("..", "docs", name), StandardCharsets.UTF_8);
    }

    @Test
    void shouldListEverySettingWithItsDefault() throws IOException {
        String settings = page("settings.md");
        for (ConfigDef.ConfigKey key : SluiceConfig.CONFIG_DEF.configKeys().values()) {
            String row = "| `" + key.name + "` | `" + key.defaultValue + "` |";
            assertThat(settings).as("docs/settings.md row for %s", key.name).contains(row);
        }
    }

    @Test
    void shouldHaveThePerformanceTablesWrittenByTheBench() throws IOException {
        String page = page("performance.md");
        int begin = page.indexOf(PageTables.BEGIN);
        int end = page.indexOf(PageTables.END);
        assertThat(begin).as("the bench's marker lines").isNotNegative();
        assertThat(end).isGreaterThan(begin);
        assertThat(page.substring(begin, end)).as("tables as sluice bench --markdown writes them")
                .containsPattern("Measured by `sluice bench [^`]*` at commit `[0-9a-f]{12}` on \\d{4}-\\d{2}-\\d{2}: .*"
                        + "\\d+ cores")
                .contains("| case | guarantee | records | records/s | MB/s | CPU us/record | producer retries |")
                .contains("| ratio | guarantee | records/s | CPU per record | target |");
    }

    @Test
    void shouldListEveryBuiltinStageWithItsParameterDefaults() throws IOException {
        String settings = page("settings.md");
        for (StageFactory factory : StageFactories.available().values()) {
            assertThat(settings).contains("| `" + factory.type() + "` |");
            for (ConfigDef.ConfigKey key : factory.params().configKeys().values()) {
                assertThat(settings).as("docs/settings.md parameter %s of %s", key.name, factory.type())
                        .contains("`" + key.name + "` (" + key.defaultValue + ")");
            }
        }
    }

    @Test
    void shouldDocumentEveryRouteOfTheOpenApiDocument() throws IOException {
        String http = page("http.md");
        JsonNode paths;
        try (InputStream in = DocsTest.class.getResourceAsStream("/openapi.json")) {
            paths = new ObjectMapper().readTree(in).path("paths");
        }
        assertThat(paths.size()).isGreaterThan(10);
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            for (Iterator<String> methods = path.getValue().fieldNames(); methods.hasNext(); ) {
                String method = methods.next();
                if (method.equals("parameters")) {
                    continue;
                }
                String route = "`" + method.toUpperCase(Locale.ROOT) + " " + path.getKey() + "`";
                assertThat(http).as("docs/http.md row for %s", route).contains(route);
            }
        }
    }
}
