package dev.sluice.client;

import dev.sluice.schemas.Document;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Documents on disk as jobs: what {@code sluice demo} and {@code sluice submit} send. */
public final class Documents {

    private Documents() {
    }

    /**
     * The documents at {@code paths}: a file is itself, a directory its regular files (not hidden, not
     * in subdirectories), by name.
     *
     * @throws IllegalArgumentException naming a path that does not exist, or when there is no document
     */
    public static List<Path> files(List<Path> paths) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                try (Stream<Path> list = Files.list(path)) {
                    list.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                            .sorted(Comparator.comparing(p -> p.getFileName().toString())).forEach(files::add);
                }
            } else if (Files.isRegularFile(path)) {
                files.add(path);
            } else {
                throw new IllegalArgumentException("no file or directory at " + path.toAbsolutePath());
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no documents in " + paths);
        }
        return files;
    }

    /** The document of {@code file}: its name as id, its text (UTF-8), its URI and content type. */
    public static Document document(Path file) throws IOException {
        String name = file.getFileName().toString();
        return Document.newBuilder().setId(name).setSourceUri(file.toUri().toString())
                .setContentType(name.endsWith(".md") ? "text/markdown"
                        : name.endsWith(".json") || name.endsWith(".jsonl") ? "application/json" : "text/plain")
                .setText(Files.readString(file, StandardCharsets.UTF_8)).build();
    }

    /** A file name as a job-id part: lower case, without its extension, runs of other characters as '-'. */
    public static String stem(String name) {
        int dot = name.lastIndexOf('.');
        return (dot > 0 ? name.substring(0, dot) : name).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }
}
