package dev.sluice.app.cli;

import dev.sluice.app.runtime.ConfigLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --config FILE} for the commands that talk to a running deployment ({@code submit},
 * {@code results}, {@code cancel}, {@code pause}, {@code resume}): a picocli mixin, so that the
 * option reads the same everywhere and the file is loaded one way.
 */
final class DeploymentOption {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "The pipeline's configuration, for kafka.bootstrap.servers, topics.prefix and registry.url.")
    Path config;

    /** The configuration, with SLUICE_* environment variables over the file. */
    ConfigLoader.Loaded load() throws IOException {
        return ConfigLoader.load(config, System.getenv(), Map.of());
    }
}
