package dev.sluice.app.cli;

import dev.sluice.app.embedded.ApicurioRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice registry}: a real Apicurio Registry on this machine, for development, until interrupted. */
@Command(name = "registry",
        mixinStandardHelpOptions = true,
        header = "Run an Apicurio Registry on this machine until interrupted, for development.",
        description = {
            "",
            "Starts Apicurio Registry in a child JVM on 127.0.0.1: version " + ApicurioRegistry.VERSION + " when a Java"
                    + " 21 or later is found (this JVM, then /usr/lib/jvm), else " + ApicurioRegistry.JAVA17_VERSION
                    + " on Java 17 (REGISTRY_JAVA_HOME names the JDK to use instead). The distribution comes from Maven Central through Maven (mvn must be on the PATH"
                    + " the first time) and is unpacked once under ~/.cache/sluice. Prints the URL to give as"
                    + " registry.url, then runs until Ctrl-C.",
            ""
        })
final class RegistryCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "8081",
            description = "HTTP port, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Keep the registry's schemas (H2 files) and its log in DIR, across restarts. Default: in"
                    + " memory, gone when it stops.")
    Path data;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch interrupted = new CountDownLatch(1);
        try (ApicurioRegistry registry = ApicurioRegistry.start(port, data, Duration.ofSeconds(120))) {
            Thread hook = new Thread(() -> {
                registry.close();
                interrupted.countDown();
            }, "sluice-registry-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            out.printf("registry: Apicurio Registry %s at %s%nregistry.url: %s%n(Ctrl-C stops it)%n",
                    registry.version(), registry.url(), registry.ccompatUrl());
            out.flush();
            while (registry.isAlive() && !interrupted.await(1, TimeUnit.SECONDS)) {
                // the registry runs until this JVM is told to stop
            }
            if (!registry.isAlive() && interrupted.getCount() > 0) {
                spec.commandLine().getErr().println("sluice: the registry stopped by itself");
                return 1;
            }
            return 0;
        }
    }
}
