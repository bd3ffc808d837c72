package dev.sluice.app.runtime;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.sluice.serdes.PayloadType;
import dev.sluice.topology.SluiceConfig;
import dev.sluice.topology.pipeline.Pipeline;
import dev.sluice.topology.pipeline.PipelineConfig;
import dev.sluice.topology.stages.BuiltinStages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;

/**
 * Reads Sluice's configuration: a YAML file, then environment variables over it.
 *
 * <p>Nested keys flatten to dotted names ({@code topics: {prefix: x}} is {@code topics.prefix}); the
 * {@code kafka} section keeps Kafka's own names ({@code kafka.bootstrap.servers}); {@code stages} is
 * a list of {@code {name, params}}. An environment variable {@code SLUICE_A_B_C} sets {@code a.b.c}:
 * {@code SLUICE_KAFKA_BOOTSTRAP_SERVERS} sets {@code kafka.bootstrap.servers}, and
 * {@code SLUICE_STAGES_SPLIT_SIZE} sets parameter {@code size} of stage {@code split}.
 */
public final class ConfigLoader {

    public static final String ENV_PREFIX = "SLUICE_";
    private static final String STAGES = "stages";

    private ConfigLoader() {
    }

    /** The configuration and pipeline a file and the environment describe. */
    public record Loaded(SluiceConfig config, Pipeline pipeline) {
    }

    /**
     * Loads {@code file} (may be null for defaults only) with {@code env} over it, and {@code overrides}
     * (flat keys, e.g. from the command line) over both. When they set {@code plugins.path}, the plugins'
     * class loader ({@link Plugins}) becomes this thread's context class loader before the pipeline is read.
     *
     * @throws ConfigException naming the offending key
     * @throws IOException when the file cannot be read
     */
    public static Loaded load(Path file, Map<String, String> env, Map<String, ?> overrides) throws IOException {
        Map<String, Object> flat = new LinkedHashMap<>();
        List<Map<String, Object>> stages = null;
        if (file != null) {
            Object root;
            try {
                root = new ObjectMapper(new YAMLFactory()).readValue(Files.readString(file), Object.class);
            } catch (JacksonException e) {
                throw new ConfigException("configuration file " + file + " is not valid YAML: "
                        + e.getOriginalMessage());
            }
            if (root != null && !(root instanceof Map)) {
                throw new ConfigException("configuration file " + file + " must be a YAML mapping of settings");
            }
            Map<?, ?> map = root == null ? Map.of() : (Map<?, ?>) root;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (key.equals(STAGES)) {
                    stages = stageList(e.getValue());
                } else {
                    flatten(key, e.getValue(), flat);
                }
            }
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getKey().startsWith(ENV_PREFIX) && e.getKey().length() > ENV_PREFIX.length()) {
                String key = e.getKey().substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                if (key.startsWith(STAGES + ".")) {
                    stages = overrideStageParam(stages, key, e.getValue(), e.getKey());
                } else {
                    flat.put(key, e.getValue());
                }
            }
        }
        overrides.forEach((k, v) -> flat.put(k, v == null ? null : v.toString()));
        SluiceConfig config = new SluiceConfig(flat);
        if (config.pluginsPath() != null) {
            // stage classes and factories are looked up on the context class loader; the threads this one
            // starts later (the stream threads, the gateway's) inherit it
            Thread.currentThread().setContextClassLoader(Plugins.load(Path.of(config.pluginsPath()),
                    ConfigLoader.class.getClassLoader()));
        }
        return new Loaded(config, pipeline(config, stages,
                file == null ? null : file.toAbsolutePath().getParent()));
    }

    private static Pipeline pipeline(SluiceConfig config, List<Map<String, Object>> stages, Path base) {
        if (config.passThrough()) {
            return Pipeline.passThrough();
        }
        if (stages == null) {
            if (!config.pipelineName().equals(BuiltinStages.INGEST)) {
                throw new ConfigException(SluiceConfig.PIPELINE_CONFIG, config.pipelineName(),
                        "has no stages listed and is not a built-in pipeline (" + BuiltinStages.INGEST + ")");
            }
            return BuiltinStages.ingest();
        }
        return PipelineConfig.fromConfig(config.pipelineName(),
                payloadType(SluiceConfig.PAYLOADS_INPUT_CONFIG, config.payloadsInput(), base),
                payloadType(SluiceConfig.PAYLOADS_OUTPUT_CONFIG, config.payloadsOutput(), base), stages);
    }

    /**
     * The payload type a setting names, or null for none: an Avro schema file ({@code .avsc}, relative to
     * {@code base}), read as GenericRecords; else a generated Avro class, here or in a plugin jar.
     */
    private static PayloadType<?> payloadType(String key, String className, Path base) {
        if (className == null) {
            return null;
        }
        if (className.endsWith(".avsc")) {
            Path file = base == null ? Path.of(className) : base.resolve(className);
            try {
                return PayloadType.generic(new Schema.Parser().parse(file.toFile()));
            } catch (IOException | RuntimeException e) {
                throw new ConfigException(key, className, "is not a readable Avro record schema (" + file.toAbsolutePath()
                        + "): " + e.getMessage());
            }
        }
        Class<?> type;
        try {
            type = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ConfigException(key, className, "no such class on the class path or in the plugins");
        }
        PayloadType<?> payload = PayloadType.forClass(type);
        if (payload == null || payload.isAny()) {
            throw new ConfigException(key, className, "is not a class generated from an Avro record schema"
                    + " (a SpecificRecord)");
        }
        return payload;
    }

    private static List<Map<String, Object>> stageList(Object value) {
        if (!(value instanceof List<?> list)) {
            throw new ConfigException(STAGES, value, "must be a list of stages, each a name or {name: ..., params: {...}}");
        }
        List<Map<String, Object>> stages = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Object item = list.get(i);
            Map<String, Object> stage = new LinkedHashMap<>();
            if (item instanceof String name) {
                stage.put("name", name);
            } else if (item instanceof Map<?, ?> map) {
                map.forEach((k, v) -> stage.put(String.valueOf(k), v));
            } else {
                throw new ConfigException(STAGES + "[" + i + "]", item, "a stage is a name or a mapping with a name");
            }
            stages.add(stage);
        }
        return stages;
    }

    private static List<Map<String, Object>> overrideStageParam(List<Map<String, Object>> stages, String key,
                                                               String value, String variable) {
        List<Map<String, Object>> list = stages;
        if (list == null) {
            list = new ArrayList<>();
            for (Map<String, Object> stage : BuiltinStages.ingestConfig()) {
                list.add(new LinkedHashMap<>(stage));
            }
        }
        String rest = key.substring(STAGES.length() + 1);
        int dot = rest.indexOf('.');
        if (dot < 1 || dot == rest.length() - 1) {
            throw new ConfigException(variable, value, "must be SLUICE_STAGES_<STAGE>_<PARAM>");
        }
        String stageName = rest.substring(0, dot);
        String param = rest.substring(dot + 1);
        for (Map<String, Object> stage : list) {
            if (stageName.equals(stage.get("name"))) {
                Map<String, Object> params = new LinkedHashMap<>();
                if (stage.get("params") instanceof Map<?, ?> existing) {
                    existing.forEach((k, v) -> params.put(String.valueOf(k), v));
                }
                params.put(param, value);
                stage.put("params", params);
                return list;
            }
        }
        throw new ConfigException(variable, value, "names stage '" + stageName + "', which the pipeline does not have");
    }

    private static void flatten(String prefix, Object value, Map<String, Object> out) {
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                flatten(prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (value instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            for (Object item : list) {
                items.add(scalar(prefix, "", item));
            }
            out.put(prefix, String.join(",", items));
        } else {
            out.put(prefix, value == null ? null : value.toString());
        }
    }

    private static String scalar(String where, Object key, Object value) {
        if (value instanceof Map || value instanceof List) {
            throw new ConfigException(where + (key.toString().isEmpty() ? "" : "." + key), value, "must be a single value");
        }
        return value == null ? null : value.toString();
    }
}
