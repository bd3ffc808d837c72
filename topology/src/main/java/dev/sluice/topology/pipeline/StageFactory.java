package dev.sluice.topology.pipeline;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Makes a stage from its name in a configuration file and its parameters, checked against the
 * stage's own {@link ConfigDef}: an unknown or invalid parameter fails naming the stage and the key.
 */
public interface StageFactory {

    /** The name the stage is known by in configuration, e.g. {@code split}. */
    String type();

    /** One line on what the stage does. */
    String description();

    /** The stage's parameters, with their types, defaults and validators. */
    ConfigDef params();

    /** The stage, from parameters already checked against {@link #params()}. */
    StageDefinition create(String name, AbstractConfig params);

    /**
     * Checks {@code params} and makes the stage.
     *
     * @throws ConfigException naming {@code stages.<name>.<param>} for an unknown or invalid parameter
     */
    default StageDefinition create(String name, Map<String, ?> params) {
        Set<String> known = params().names();
        for (String key : params.keySet()) {
            if (!known.contains(key)) {
                throw new ConfigException("stages." + name + "." + key, params.get(key),
                        "unknown parameter of stage '" + name + "'; its parameters are "
                                + (known.isEmpty() ? "none" : String.join(", ", new TreeSet<>(known))));
            }
        }
        AbstractConfig config;
        try {
            config = new AbstractConfig(params(), params, false);
        } catch (ConfigException e) {
            throw new ConfigException("stage '" + name + "': " + e.getMessage());
        }
        try {
            return create(name, config);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("stage '" + name + "': " + e.getMessage());
        }
    }
}
