package dev.sluice.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The {@code sluice} command line, run in this JVM as a test would type it. */
public final class Cli {

    private Cli() {
    }

    /** Runs {@code sluice ARGS} and returns what it printed; fails unless it exits 0. */
    public static String sluice(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.execute(args);
        } finally {
            System.setOut(original);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("exit code of sluice %s, which printed:%n%s", List.of(args), printed).isZero();
        return printed;
    }
}
