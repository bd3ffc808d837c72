package dev.sluice.app.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The bench's tables on a Markdown page: between a line {@value #BEGIN} and a line {@value #END}
 * where the page has them, so that the prose around them stays and the figures are only ever the
 * bench's own; a page without them becomes the tables alone.
 */
public final class PageTables {

    public static final String BEGIN = "<!-- sluice bench: begin -->";
    public static final String END = "<!-- sluice bench: end -->";

    private PageTables() {
    }

    /** Writes {@code tables} into {@code page} (see the class). */
    static void write(Path page, String tables) throws IOException {
        String existing = Files.exists(page) ? Files.readString(page, StandardCharsets.UTF_8) : null;
        Files.writeString(page, spliced(existing, tables), StandardCharsets.UTF_8);
    }

    /** {@code page} with {@code tables} between its markers, or the tables alone when it has none. */
    static String spliced(String page, String tables) {
        String body = tables.endsWith("\n") ? tables : tables + "\n";
        if (page != null) {
            int begin = page.indexOf(BEGIN);
            int end = page.indexOf(END);
            if (begin >= 0 && end > begin) {
                return page.substring(0, begin) + BEGIN + "\n\n" + body + "\n" + page.substring(end);
            }
        }
        return body;
    }

    /**
     * The commit of the checkout the bench runs from ({@code sluice.home}, else the working
     * directory), with {@code +changes} when tracked files differ from it; {@code unknown} without git.
     */
    static String commit() {
        String home = System.getProperty("sluice.home", ".");
        String head = git(home, "rev-parse", "--short=12", "HEAD");
        if (head == null) {
            return "unknown";
        }
        String changed = git(home, "status", "--porcelain", "--untracked-files=no");
        return changed == null || changed.isEmpty() ? head : head + "+changes";
    }

    private static String git(String dir, String... args) {
        String[] command = new String[args.length + 3];
        command[0] = "git";
        command[1] = "-C";
        command[2] = dir;
        System.arraycopy(args, 0, command, 3, args.length);
        try {
            Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return git.waitFor(10, TimeUnit.SECONDS) && git.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
