package dev.sluice.app.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a class of this program in a JVM of its own, on this JVM's java and class path. */
final class ChildJvm {

    private ChildJvm() {
    }

    static Process start(List<String> javaOptions, Class<?> main, ProcessBuilder.Redirect stderr, String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(javaOptions);
        String home = System.getProperty("sluice.home");
        if (home != null) {
            // the sample documents of the workload are under it
            command.add("-Dsluice.home=" + home);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(stderr).start();
    }
}
