package dev.sluice.app.cli;

import dev.sluice.app.runtime.ConfigLoader;
import dev.sluice.app.runtime.SchemaSetup;
import dev.sluice.schemas.Compatibility;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.SchemaRegistry;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.topology.SluiceConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice schemas register} and {@code sluice schemas check}: Sluice's schemas in a given registry. */
@Command(name = "schemas",
        mixinStandardHelpOptions = true,
        header = "Register Sluice's schemas in a schema registry, or check them against it.",
        description = {
            "",
            "Sluice's subjects follow the topic-name strategy: <prefix>.jobs-value and each lane's (Job),"
                    + " <prefix>.results-value (JobResult), <prefix>.events-value (JobEvents),"
                    + " <prefix>.control-value (Control); and the payloads those carry: <prefix>.jobs-payload and"
                    + " each lane's (the pipeline's input), <prefix>.results-payload (its output).",
            ""
        },
        subcommands = {SchemasCommand.Register.class, SchemasCommand.Check.class})
final class SchemasCommand {

    /** What both subcommands take: the deployment's configuration and the registry. */
    abstract static class Base implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "The pipeline's configuration, for topics.prefix, its lanes, registry.url and"
                        + " registry.compatibility (default: the built-in ingest pipeline).")
        Path config;

        @Option(names = {"-r", "--registry"}, paramLabel = "URL",
                description = "The registry, over the configuration's registry.url, e.g."
                        + " http://localhost:8080/apis/ccompat/v7 (Apicurio) or http://localhost:8081 (Confluent).")
        String registry;

        @Option(names = "--compatibility", paramLabel = "RULE",
                description = "The rule, over the configuration's registry.compatibility (default FULL_TRANSITIVE).")
        String compatibility;

        SluiceConfig settings;
        SchemaRegistry schemaRegistry;
        Map<String, Schema> subjects;

        @Override
        public Integer call() throws Exception {
            Map<String, Object> overrides = new HashMap<>();
            if (registry != null) {
                overrides.put(SluiceConfig.REGISTRY_URL_CONFIG, registry);
            }
            if (compatibility != null) {
                overrides.put(SluiceConfig.REGISTRY_COMPATIBILITY_CONFIG, compatibility);
            }
            ConfigLoader.Loaded loaded = ConfigLoader.load(config, System.getenv(), overrides);
            settings = loaded.config();
            AvroSerdes serdes = AvroSerdes.forUrl(settings.registryUrl());
            schemaRegistry = serdes.registry();
            subjects = SchemaSetup.subjects(SluiceTopics.create(settings.topicPrefix(), serdes), loaded.pipeline());
            PrintWriter out = spec.commandLine().getOut();
            int code = run(out);
            out.flush();
            return code;
        }

        abstract int run(PrintWriter out) throws Exception;
    }

    @Command(name = "register", mixinStandardHelpOptions = true,
            header = "Set the compatibility rule on Sluice's subjects and register its schemas there.",
            description = {"", "What an instance does at start-up, for a registry that producers use first.", ""})
    static final class Register extends Base {
        @Override
        int run(PrintWriter out) throws Exception {
            Compatibility rule = settings.registryCompatibility();
            Map<String, Integer> ids = SchemaSetup.prepare(schemaRegistry, subjects, rule,
                    settings.registryStartupTimeout());
            ids.forEach((subject, id) -> out.printf("%-40s %-40s id %d, %s%n", subject, subjects.get(subject).getFullName(),
                    id, rule));
            out.printf("registered %d subjects in %s%n", ids.size(), schemaRegistry.describe());
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            header = "Check Sluice's schemas against what a registry holds, under the compatibility rule.",
            description = {"",
                "For each subject: whether this version's schema is registered, or could be, under the rule"
                        + " (registry.compatibility) against every version there. Changes nothing.",
                "",
                "Exit code 0 when every schema can be registered, 1 when one cannot.", ""})
    static final class Check extends Base {
        @Override
        int run(PrintWriter out) throws Exception {
            Compatibility rule = settings.registryCompatibility();
            int refused = 0;
            for (Map.Entry<String, Schema> subject : subjects.entrySet()) {
                List<Schema> versions = SchemaSetup.withRegistry(schemaRegistry, settings.registryStartupTimeout(),
                        () -> schemaRegistry.schemas(subject.getKey()));
                Compatibility theirs = schemaRegistry.compatibility(subject.getKey());
                String what = String.format("%-40s %-40s", subject.getKey(), subject.getValue().getFullName());
                int registered = versions.indexOf(subject.getValue());
                List<Schema> others = new ArrayList<>(versions);
                others.remove(subject.getValue());
                // registered or not, this version must read, and be read by, every other version there
                List<String> problems = rule.problems(subject.getValue(), others);
                if (problems.isEmpty()) {
                    out.printf("%s %s (registry rule %s)%n", what, registered >= 0
                            ? "registered as version " + (registered + 1) + " of " + versions.size()
                            : "compatible: can follow " + versions.size() + " version(s) under " + rule, theirs);
                } else {
                    refused++;
                    out.printf("%s INCOMPATIBLE under %s%s:%n", what, rule,
                            registered >= 0 ? " with the other versions (it is version " + (registered + 1) + ")" : "");
                    problems.forEach(problem -> out.printf("    %s%n", problem));
                }
            }
            out.printf("%d of %d subjects fit in %s%n", subjects.size() - refused, subjects.size(),
                    schemaRegistry.describe());
            return refused == 0 ? 0 : 1;
        }
    }
}
