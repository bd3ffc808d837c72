package dev.sluice.topology.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.WeakHashMap;

/**
 * The stages a configuration file can name: every {@link StageFactory} that a jar on the class path
 * registers in {@code META-INF/services/dev.sluice.topology.pipeline.StageFactory}. Sluice's built-in
 * stages register themselves that way, as a plugin jar's stages do.
 */
public final class StageFactories {

    private static final Map<ClassLoader, Map<String, StageFactory>> LOADED = new WeakHashMap<>();

    private StageFactories() {
    }

    /** The factories the current thread's class loader finds, by type, in the order they are registered. */
    public static Map<String, StageFactory> available() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return available(loader == null ? StageFactory.class.getClassLoader() : loader);
    }

    /**
     * The factories {@code loader} finds, by type.
     *
     * @throws IllegalStateException when two factories claim the same type, naming both classes
     */
    public static Map<String, StageFactory> available(ClassLoader loader) {
        synchronized (LOADED) {
            return LOADED.computeIfAbsent(loader, StageFactories::load);
        }
    }

    private static Map<String, StageFactory> load(ClassLoader loader) {
        Map<String, StageFactory> factories = new LinkedHashMap<>();
        for (StageFactory factory : ServiceLoader.load(StageFactory.class, loader)) {
            StageFactory other = factories.putIfAbsent(factory.type(), factory);
            if (other != null) {
                throw new IllegalStateException("two stage factories claim type '" + factory.type() + "': "
                        + other.getClass().getName() + " and " + factory.getClass().getName());
            }
        }
        return Collections.unmodifiableMap(factories);
    }
}
