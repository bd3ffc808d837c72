package dev.sluice.app;

import dev.sluice.topology.pipeline.StageFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A plugin jar as a user would build one, compiled by the test from source against Sluice's API (so
 * its classes are on no class path of the tests): stage {@value #SHOUT} (the text in upper case),
 * named by class, and a {@code StageFactory} of type {@value #EXCLAIM} (parameter {@code marks}, how
 * many exclamation marks to append), registered in the jar's services file.
 */
public final class PluginJar {

    public static final String SHOUT = "example.plugin.Shout";
    public static final String EXCLAIM = "exclaim";

    private static final Map<String, String> SOURCES = Map.of("example/plugin/Shout.java", """
            package example.plugin;

            import dev.sluice.schemas.Document;
            import dev.sluice.topology.stage.Emitter;
            import dev.sluice.topology.stage.Stage;
            import dev.sluice.topology.stage.StageContext;
            import java.util.Locale;

            public final class Shout implements Stage<Document, Document> {
                @Override
                public void process(Document input, StageContext context, Emitter<Document> out) {
                    out.emit(Document.newBuilder(input).setText(input.getText().toUpperCase(Locale.ROOT)).build());
                }
            }
            """, "example/plugin/ExclaimFactory.java", """
            package example.plugin;

            import dev.sluice.schemas.Document;
            import dev.sluice.topology.pipeline.StageDefinition;
            import dev.sluice.topology.pipeline.StageFactory;
            import dev.sluice.topology.stage.Stage;
            import org.apache.kafka.common.config.AbstractConfig;
            import org.apache.kafka.common.config.ConfigDef;

            public final class ExclaimFactory implements StageFactory {
                @Override
                public String type() {
                    return "exclaim";
                }

                @Override
                public String description() {
                    return "appends exclamation marks to the text";
                }

                @Override
                public ConfigDef params() {
                    return new ConfigDef().define("marks", ConfigDef.Type.INT, 1, ConfigDef.Range.atLeast(1),
                            ConfigDef.Importance.LOW, "how many");
                }

                @Override
                public StageDefinition create(String name, AbstractConfig params) {
                    String marks = "!".repeat(params.getInt("marks"));
                    Stage<Document, Document> exclaim = Stage.map(d -> Document.newBuilder(d)
                            .setText(d.getText() + marks).build());
                    return new StageDefinition.Map(name, Document.class, Document.class, exclaim);
                }
            }
            """);

    private PluginJar() {
    }

    /** Compiles the plugin's sources under {@code work} and writes its jar to {@code plugins}/example-plugin.jar. */
    public static Path build(Path work, Path plugins) throws IOException {
        Path sources = Files.createDirectories(work.resolve("plugin-src"));
        Path classes = Files.createDirectories(work.resolve("plugin-classes"));
        List<String> args = new ArrayList<>(List.of("--release", "17", "-classpath",
                System.getProperty("java.class.path"), "-d", classes.toString()));
        for (Map.Entry<String, String> source : SOURCES.entrySet()) {
            Path file = sources.resolve(source.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue());
            args.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null || javac.run(null, null, null, args.toArray(String[]::new)) != 0) {
            throw new IllegalStateException("could not compile the plugin (is this a JDK?)");
        }
        Path jar = Files.createDirectories(plugins).resolve("example-plugin.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("META-INF/services/" + StageFactory.class.getName()));
            write(out, "example.plugin.ExclaimFactory\n");
            out.closeEntry();
        }
        return jar;
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }
}
