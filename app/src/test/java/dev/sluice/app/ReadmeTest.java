package dev.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.cli.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README is a short introduction whose commands are the ones CI and users run. */
class ReadmeTest {

    /** About 12 KB: what Sluice is, the two commands, a pipeline, the concepts; the rest is in docs/. */
    static final int MOST_BYTES = 12 * 1024;

    static String readme() throws IOException {
        return Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    }

    /** The fenced block of {@code language} that follows {@code marker} in the README. */
    static String block(String marker, String language) throws IOException {
        String readme = readme();
        int at = readme.indexOf(marker);
        assertThat(at).as("README has the marker %s", marker).isNotNegative();
        int start = readme.indexOf("```" + language + "\n", at) + language.length() + 4;
        return readme.substring(start, readme.indexOf("```", start));
    }

    @Test
    void shouldStayAnIntroduction() throws IOException {
        assertThat(Files.size(Path.of("..", "README.md"))).isLessThanOrEqualTo(MOST_BYTES);
    }

    @Test
    void shouldGiveTheTwoCommandsThatCiAndUsersRun() throws IOException {
        assertThat(readme()).contains("./sluice demo", "./sluice-test");
        assertThat(Files.readAllLines(Path.of("..", ".ci", "run"), StandardCharsets.UTF_8)).last().isEqualTo("./sluice-test");
        assertThat(Files.readString(Path.of("..", "sluice-test"), StandardCharsets.UTF_8))
                .contains("apt-get install -y chromium chromium-driver", "\nexec mvn -B verify \"$@\"\n");
    }

    @Test
    void shouldNameEveryCommand() throws IOException {
        String readme = readme();
        for (String command : Main.commandLine().getSubcommands().keySet()) {
            if (!command.equals("help")) {
                assertThat(readme).as("README names command %s", command).contains("`" + command + "`");
            }
        }
    }

    @Test
    void shouldLinkOnlyToPagesThatExist() throws IOException {
        Matcher links = Pattern.compile("\\]\\((docs/[^)#]+)").matcher(readme());
        int count = 0;
        while (links.find()) {
            assertThat(Path.of("..", links.group(1))).as("README link %s", links.group(1)).exists();
            count++;
        }
        assertThat(count).isGreaterThan(5);
    }
}
