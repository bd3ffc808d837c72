package dev.sluice.app.runtime;

import dev.sluice.topology.SluiceConfig;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jars of a plugins directory ({@value SluiceConfig#PLUGINS_PATH_CONFIG}, {@code sluice run --plugins}),
 * on a class loader of their own whose parent is Sluice's: a stage there is named in the configuration by
 * its class, or by the type a {@code StageFactory} registers in the jar's
 * {@code META-INF/services/dev.sluice.topology.pipeline.StageFactory}. Each jar is opened once here, so that
 * one that is not a jar stops start-up naming it, rather than failing later as a missing class.
 */
public final class Plugins {

    private static final Logger log = LoggerFactory.getLogger(Plugins.class);

    private Plugins() {
    }

    /**
     * A class loader over every {@code *.jar} in {@code directory} (in name order), whose parent is
     * {@code parent}.
     *
     * @throws ConfigException naming {@value SluiceConfig#PLUGINS_PATH_CONFIG} when the directory is not
     *     one, or a jar in it that cannot be read
     */
    public static ClassLoader load(Path directory, ClassLoader parent) {
        if (!Files.isDirectory(directory)) {
            throw new ConfigException(SluiceConfig.PLUGINS_PATH_CONFIG, directory.toString(),
                    "is not a directory: give a directory of plugin jars");
        }
        List<Path> jars = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().forEach(jars::add);
        } catch (IOException e) {
            throw new ConfigException(SluiceConfig.PLUGINS_PATH_CONFIG, directory.toString(),
                    "cannot be listed: " + e.getMessage());
        }
        List<URL> urls = new ArrayList<>();
        for (Path jar : jars) {
            try (JarFile opened = new JarFile(jar.toFile())) {
                urls.add(jar.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalStateException("a file path that is not a URL: " + jar, e);
            } catch (IOException e) {
                throw new ConfigException(SluiceConfig.PLUGINS_PATH_CONFIG, directory.toString(), "holds "
                        + jar.getFileName() + ", which is not a jar that can be read (" + e.getMessage() + ")");
            }
        }
        log.info("plugins: {} jar(s) from {}: {}", jars.size(), directory,
                jars.stream().map(j -> j.getFileName().toString()).toList());
        return new URLClassLoader("sluice-plugins", urls.toArray(URL[]::new), parent);
    }
}
