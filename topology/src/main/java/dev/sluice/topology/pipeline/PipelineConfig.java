package dev.sluice.topology.pipeline;

import dev.sluice.serdes.PayloadType;
import dev.sluice.topology.stage.AsyncBatchStage;
import dev.sluice.topology.stage.AsyncStage;
import dev.sluice.topology.stage.BatchStage;
import dev.sluice.topology.stage.GatherStage;
import dev.sluice.topology.stage.JoinStage;
import dev.sluice.topology.stage.RetryPolicy;
import dev.sluice.topology.stage.Stage;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigException;

/**
 * A pipeline from the {@code stages} list of a configuration file. Each stage is a mapping:
 *
 * <pre>
 * - {name: normalize}                                   # a built-in stage by its name
 * - {name: upper, class: com.acme.Upper, params: {...}}  # a class implementing a stage interface
 * - {name: route, branch: [{when: "words > 600", lane: bulk}, {when: "chars < 10", to: tiny}]}
 * - {name: split, params: {size: 800, overlap: 100}}
 * - {name: enrich, broadcast: [embed, keywords]}
 * - {name: merge, join: [embed, keywords], window: 30s}
 * - {name: assemble, gather: {timeout: 30s}}
 * - {name: drop-short, filter: "chars < 20"}
 * - {name: embed, batch: {size: 32, linger: 20ms}}
 * - {name: tiny, after: [route]}                         # inputs other than the stage before
 * - {name: fetch, class: com.acme.Fetch, retry: {attempts: 5, backoff: 200ms, max-backoff: 5s,
 *                                                multiplier: 2, jitter: 0.2, on: [java.io.IOException]},
 *    time-limit: 10s}                                   # a call that takes longer fails its job
 * - {name: split, stream-outputs: true}                  # each output also an OUTPUT event of the job
 * - {name: ocr, class: com.acme.OcrCall,                 # an AsyncStage: calls a service, never waits for it
 *    async: {concurrency: 32, rate: 50, timeout: 10s, flat-map: false}}
 * - {name: embed, class: com.acme.EmbedBatchCall,        # an AsyncBatchStage: many jobs' inputs per call
 *    async: {concurrency: 64, batch-size: 32, linger: 20ms}}
 * </pre>
 *
 * A stage reads from the stage listed before it unless {@code after} (or a branch route or broadcast
 * naming it) says otherwise. Unknown keys, stages, classes and parameters fail with the key in the
 * message.
 */
public final class PipelineConfig {

    private static final Set<String> KEYS = Set.of("name", "type", "class", "params", "after", "branch", "otherwise",
            "broadcast", "join", "window", "gather", "filter", "batch", "retry", "time-limit", "stream-outputs", "async",
            "shape");
    /** What a stage of a class or type may say it is ({@code shape:}), and what its class must implement. */
    private static final Map<String, String> SHAPES = shapes();
    private static final Set<String> RETRY_KEYS = Set.of("attempts", "backoff", "max-backoff", "multiplier", "jitter", "on");
    private static final Set<String> ROUTE_KEYS = Set.of("when", "to", "lane");
    private static final Set<String> ASYNC_KEYS = Set.of("concurrency", "rate", "timeout", "flat-map", "batch-size",
            "linger");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

    private PipelineConfig() {
    }

    /**
     * The pipeline {@code name} made of {@code stages}, each a mapping as above.
     *
     * @throws ConfigException naming the offending key ({@code stages[i].key})
     * @throws InvalidPipelineException when the stages do not make a valid pipeline
     */
    public static Pipeline fromConfig(String name, List<Map<String, Object>> stages) {
        return fromConfig(name, null, null, stages);
    }

    /**
     * The pipeline {@code name} made of {@code stages}, whose jobs carry {@code input} and whose results
     * carry {@code output}, or with null for either, the types its first and last stages take and make.
     *
     * @throws ConfigException naming the offending key
     * @throws InvalidPipelineException when the stages do not make a valid pipeline
     */
    public static Pipeline fromConfig(String name, PayloadType<?> input, PayloadType<?> output,
                                      List<Map<String, Object>> stages) {
        Pipeline.Builder builder = Pipeline.builder(name);
        if (input != null) {
            builder.input(input);
        }
        if (output != null) {
            builder.output(output);
        }
        for (int i = 0; i < stages.size(); i++) {
            stage(builder, "stages[" + i + "]", stages.get(i));
        }
        return builder.build();
    }

    /** Adds the stage {@code spec} describes to {@code builder}. */
    private static void stage(Pipeline.Builder builder, String where, Map<String, Object> spec) {
        for (String key : spec.keySet()) {
            if (!KEYS.contains(key)) {
                throw new ConfigException(where + "." + key, spec.get(key), "unknown key of a stage; a stage may have "
                        + new TreeSet<>(KEYS));
            }
        }
        String name = string(where, spec, "name");
        if (name == null || name.isBlank()) {
            throw new ConfigException(where + ".name", spec.get("name"), "every stage needs a name");
        }
        where = "stages." + name;
        List<String> after = list(where, spec, "after");
        StageDefinition definition;
        if (spec.containsKey("branch")) {
            definition = branch(where, name, spec);
        } else if (spec.containsKey("broadcast")) {
            List<String> targets = list(where, spec, "broadcast");
            definition = new StageDefinition.Broadcast(name, Object.class, targets, null);
        } else if (spec.containsKey("filter")) {
            String condition = string(where, spec, "filter");
            try {
                definition = new StageDefinition.Filter(name, Object.class, Expressions.parse(condition), condition);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where + ".filter", condition, e.getMessage());
            }
        } else {
            definition = implementation(where, name, spec);
        }
        builder.add(after == null ? definition : definition.withInputs(after));
        if (spec.containsKey("retry")) {
            builder.retry(retry(where + ".retry", map(where, spec, "retry")));
        }
        if (spec.containsKey("time-limit")) {
            builder.timeLimit(duration(where + ".time-limit", spec.get("time-limit"), null));
        }
        if (spec.get("stream-outputs") != null) {
            String streamOutputs = spec.get("stream-outputs").toString();
            if (!streamOutputs.equals("true") && !streamOutputs.equals("false")) {
                throw new ConfigException(where + ".stream-outputs", streamOutputs, "must be true or false");
            }
            if (streamOutputs.equals("true")) {
                builder.streamOutputs();
            }
        }
    }

    /** A {@code retry:} mapping; the defaults are {@link RetryPolicy#attempts(int)}'s. */
    private static RetryPolicy retry(String where, Map<String, Object> spec) {
        for (String key : spec.keySet()) {
            if (!RETRY_KEYS.contains(key)) {
                throw new ConfigException(where + "." + key, spec.get(key), "unknown key of a retry; a retry has "
                        + new TreeSet<>(RETRY_KEYS));
            }
        }
        if (!spec.containsKey("attempts")) {
            throw new ConfigException(where + ".attempts", null, "a retry needs attempts: how many in all, 2 or more");
        }
        RetryPolicy policy;
        try {
            policy = RetryPolicy.attempts(Integer.parseInt(String.valueOf(spec.get("attempts"))));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ".attempts", spec.get("attempts"), "must be a whole number, at least 1");
        }
        Duration backoff = duration(where + ".backoff", spec.get("backoff"), policy.initialBackoff());
        Duration max = duration(where + ".max-backoff", spec.get("max-backoff"), policy.maxBackoff().compareTo(backoff) < 0
                ? backoff : policy.maxBackoff());
        try {
            policy = policy.backoff(backoff, max);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ".max-backoff", spec.get("max-backoff"), e.getMessage());
        }
        for (String key : List.of("multiplier", "jitter")) {
            if (spec.containsKey(key)) {
                try {
                    double value = Double.parseDouble(String.valueOf(spec.get(key)));
                    policy = key.equals("multiplier") ? policy.multiplier(value) : policy.jitter(value);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(where + "." + key, spec.get(key), e instanceof NumberFormatException
                            ? "must be a number" : e.getMessage());
                }
            }
        }
        Object on = spec.get("on");
        if (on != null) {
            if (!(on instanceof List<?>) && !(on instanceof String)) {
                throw new ConfigException(where + ".on", on, "must be a list of exception class names");
            }
            List<Class<? extends Throwable>> types = new ArrayList<>();
            for (Object name : on instanceof List<?> names ? names : List.of(on)) {
                types.add(throwable(where + ".on", String.valueOf(name)));
            }
            @SuppressWarnings("unchecked")
            Class<? extends Throwable>[] array = types.toArray(new Class[0]);
            policy = policy.retryOn(array);
        }
        return policy;
    }

    private static Class<? extends Throwable> throwable(String key, String name) {
        Class<?> type;
        try {
            type = Class.forName(name, false, PipelineConfig.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ConfigException(key, name, "no such class on the class path; give an exception's full name,"
                    + " e.g. java.io.IOException");
        }
        if (!Throwable.class.isAssignableFrom(type)) {
            throw new ConfigException(key, name, "is not an exception");
        }
        return type.asSubclass(Throwable.class);
    }

    private static StageDefinition branch(String where, String name, Map<String, Object> spec) {
        Object value = spec.get("branch");
        if (!(value instanceof List<?> items) || items.isEmpty()) {
            throw new ConfigException(where + ".branch", value, "must be a list of routes, each {when, to} or {when, lane}");
        }
        List<StageDefinition.Route> routes = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String at = where + ".branch[" + i + "]";
            if (!(items.get(i) instanceof Map<?, ?> route)) {
                throw new ConfigException(at, items.get(i), "a route is {when: condition, to: stage} or {when: condition, lane: name}");
            }
            for (Object key : route.keySet()) {
                if (!ROUTE_KEYS.contains(String.valueOf(key))) {
                    throw new ConfigException(at + "." + key, route.get(key), "unknown key of a route; a route has "
                            + new TreeSet<>(ROUTE_KEYS));
                }
            }
            String when = route.get("when") == null ? null : route.get("when").toString();
            try {
                routes.add(new StageDefinition.Route(when, Expressions.parse(when),
                        route.get("to") == null ? null : route.get("to").toString(),
                        route.get("lane") == null ? null : route.get("lane").toString()));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new ConfigException(at, route, e.getMessage() == null ? "every route needs a condition (when)"
                        : e.getMessage());
            }
        }
        return new StageDefinition.Branch(name, Object.class, routes, string(where, spec, "otherwise"), null);
    }

    private static StageDefinition implementation(String where, String name, Map<String, Object> spec) {
        String type = string(where, spec, "type");
        String className = string(where, spec, "class");
        Map<String, Object> params = map(where, spec, "params");
        StageDefinition made;
        if (className != null) {
            made = fromClass(where, name, className, params);
        } else {
            Map<String, StageFactory> factories = StageFactories.available();
            StageFactory factory = factories.get(type == null ? name : type);
            if (factory == null) {
                throw new ConfigException(where + (type == null ? ".name" : ".type"), type == null ? name : type,
                        "unknown stage; the stages on the class path are " + String.join(", ", factories.keySet())
                                + ", or give a class");
            }
            made = factory.create(name, params);
        }
        if (spec.containsKey("join")) {
            if (!(made instanceof StageDefinition.Join join)) {
                throw new ConfigException(where + ".join", spec.get("join"), "stage '" + name + "' is not a join stage");
            }
            List<String> sides = list(where, spec, "join");
            made = join.withWindow(duration(where + ".window", spec.get("window"), StageDefinition.DEFAULT_JOIN_WINDOW))
                    .withInputs(sides);
        } else if (made instanceof StageDefinition.Join) {
            throw new ConfigException(where + ".join", null, "join stage '" + name + "' needs its two sides: join: [left, right]");
        }
        if (spec.containsKey("gather")) {
            if (!(made instanceof StageDefinition.Gather gathering)) {
                throw new ConfigException(where + ".gather", spec.get("gather"), "stage '" + name + "' is not a gather stage");
            }
            Map<String, Object> gather = map(where, spec, "gather");
            for (String key : gather.keySet()) {
                if (!key.equals("timeout") && !key.equals("by")) {
                    throw new ConfigException(where + ".gather." + key, gather.get(key), "a gather has timeout (and by: job)");
                }
            }
            if (gather.get("by") != null && !"job".equals(gather.get("by").toString())) {
                throw new ConfigException(where + ".gather.by", gather.get("by"), "a gather collects the parts of a job: by: job");
            }
            made = gathering.withTimeout(duration(where + ".gather.timeout", gather.get("timeout"),
                    StageDefinition.DEFAULT_GATHER_TIMEOUT));
        }
        if (spec.containsKey("batch")) {
            made = batch(where, name, spec, made);
        }
        if (spec.containsKey("async")) {
            made = async(where, name, spec, made);
        }
        if (spec.get("shape") != null) {
            made = shaped(where, name, spec.get("shape").toString(), made);
        }
        return made;
    }

    private static Map<String, String> shapes() {
        Map<String, String> shapes = new LinkedHashMap<>();
        shapes.put("map", "Stage (one output per input)");
        shapes.put("flat-map", "Stage (any number of outputs per input)");
        shapes.put("filter", "Stage<T, T> (its input or nothing)");
        shapes.put("batch", "BatchStage");
        shapes.put("gather", "GatherStage");
        shapes.put("join", "JoinStage");
        shapes.put("async", "AsyncStage (one output per input)");
        shapes.put("async-flat-map", "AsyncStage (any number of outputs per input)");
        shapes.put("async-batch", "AsyncBatchStage");
        return Collections.unmodifiableMap(shapes);
    }

    /** The shape {@code made} has, as {@code shape:} names it. */
    private static String shapeOf(StageDefinition made) {
        if (made instanceof StageDefinition.Async async) {
            return async.stage() instanceof AsyncBatcher ? "async-batch" : async.fansOut() ? "async-flat-map" : "async";
        }
        if (made instanceof StageDefinition.FlatMap) {
            return "flat-map";
        }
        if (made instanceof StageDefinition.Map) {
            return "map";
        }
        // filter, batch, gather, join (and the kinds no class makes: branch, broadcast)
        return made.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    /**
     * {@code made} in the shape {@code shape:} gives it: as it is when it has that shape, made into it
     * where its class allows (a stage as a flat-map or a filter, a stage that also takes batches as a
     * batch, an asynchronous stage as an asynchronous flat-map), else a start-up error naming the stage.
     */
    private static StageDefinition shaped(String where, String name, String shape, StageDefinition made) {
        if (!SHAPES.containsKey(shape)) {
            throw new ConfigException(where + ".shape", shape, "unknown shape; a stage's shape is one of "
                    + String.join(", ", SHAPES.keySet()));
        }
        String has = shapeOf(made);
        if (has.equals(shape)) {
            return made;
        }
        if (made instanceof StageDefinition.Map map) {
            switch (shape) {
                case "flat-map" -> {
                    return new StageDefinition.FlatMap(name, map.inputType(), map.outputType(), map.stage(),
                            map.inputs(), map.calls());
                }
                case "filter" -> {
                    if (map.inputType() == map.outputType()) {
                        return made;
                    }
                    throw new ConfigException(where + ".shape", shape, "stage '" + name + "' cannot be a filter:"
                            + " a filter emits its input or nothing, but its class takes "
                            + map.inputType().getSimpleName() + " and emits " + map.outputType().getSimpleName());
                }
                case "batch" -> {
                    StageDefinition.Batch batching = asBatch(name, map);
                    if (batching != null) {
                        return batching;
                    }
                }
                default -> {
                    // not a shape a map stage can take: the error below
                }
            }
        }
        if (made instanceof StageDefinition.Async async && shape.equals("async-flat-map") && has.equals("async")) {
            return new StageDefinition.Async(async.name(), async.inputType(), async.outputType(), async.stage(), true,
                    async.concurrency(), async.rate(), async.inputs(), async.calls());
        }
        throw new ConfigException(where + ".shape", shape, "stage '" + name + "' has the shape " + has + ", not "
                + shape + ": the class of a " + shape + " stage implements " + SHAPES.get(shape));
    }

    /** An {@code async:} mapping: the settings of an asynchronous stage. */
    private static StageDefinition async(String where, String name, Map<String, Object> spec, StageDefinition made) {
        Map<String, Object> async = map(where, spec, "async");
        for (String key : async.keySet()) {
            if (!ASYNC_KEYS.contains(key)) {
                throw new ConfigException(where + ".async." + key, async.get(key), "unknown key of async; async has "
                        + new TreeSet<>(ASYNC_KEYS));
            }
        }
        if (!(made instanceof StageDefinition.Async stage)) {
            throw new ConfigException(where + ".async", spec.get("async"), "stage '" + name + "' is not asynchronous:"
                    + " its class must implement AsyncStage");
        }
        if (async.get("concurrency") != null) {
            stage = stage.withConcurrency(positiveInt(where + ".async.concurrency", async.get("concurrency")));
        }
        if (async.get("rate") != null) {
            double rate;
            try {
                rate = Double.parseDouble(async.get("rate").toString().trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(where + ".async.rate", async.get("rate"), "must be a number of calls per second");
            }
            if (!(rate >= 0) || Double.isInfinite(rate)) {
                throw new ConfigException(where + ".async.rate", async.get("rate"), "must be 0 (no limit) or more");
            }
            stage = stage.withRate(rate);
        }
        if (async.get("timeout") != null) {
            if (spec.containsKey("time-limit")) {
                throw new ConfigException(where + ".async.timeout", async.get("timeout"), "the same as time-limit, which"
                        + " the stage has too: give one of them");
            }
            stage = (StageDefinition.Async) stage.withTimeLimit(duration(where + ".async.timeout", async.get("timeout"),
                    null));
        }
        if (async.get("batch-size") != null || async.get("linger") != null) {
            if (!(stage.stage() instanceof AsyncBatcher batcher)) {
                throw new ConfigException(where + ".async." + (async.get("batch-size") != null ? "batch-size" : "linger"),
                        async.get(async.get("batch-size") != null ? "batch-size" : "linger"), "stage '" + name
                        + "' does not call in batches: its class must implement AsyncBatchStage");
            }
            int size = batcher.size();
            if (async.get("batch-size") != null) {
                size = positiveInt(where + ".async.batch-size", async.get("batch-size"));
            }
            Duration linger = duration(where + ".async.linger", async.get("linger"), batcher.linger());
            stage = new StageDefinition.Async(stage.name(), stage.inputType(), stage.outputType(),
                    new AsyncBatcher(batcher.stage(), size, linger), stage.fansOut(), stage.concurrency(), stage.rate(),
                    stage.inputs(), stage.calls());
        }
        if (async.get("flat-map") != null) {
            String flatMap = async.get("flat-map").toString();
            if (!flatMap.equals("true") && !flatMap.equals("false")) {
                throw new ConfigException(where + ".async.flat-map", flatMap, "must be true or false");
            }
            stage = new StageDefinition.Async(stage.name(), stage.inputType(), stage.outputType(), stage.stage(),
                    flatMap.equals("true"), stage.concurrency(), stage.rate(), stage.inputs(), stage.calls());
        }
        return stage;
    }

    /**
     * {@code made} as a batch stage: itself when it is one, a batch of its stage when that works on one
     * input or on many (the built-in embed), else null.
     */
    private static StageDefinition.Batch asBatch(String name, StageDefinition made) {
        if (made instanceof StageDefinition.Batch already) {
            return already;
        }
        if (made instanceof StageDefinition.PerInput perInput && perInput.stage() instanceof BatchStage<?, ?> many) {
            return new StageDefinition.Batch(name, made.inputType(), made.outputType(), many);
        }
        return null;
    }

    private static StageDefinition batch(String where, String name, Map<String, Object> spec, StageDefinition made) {
        Map<String, Object> batch = map(where, spec, "batch");
        for (String key : batch.keySet()) {
            if (!key.equals("size") && !key.equals("linger")) {
                throw new ConfigException(where + ".batch." + key, batch.get(key), "a batch has size and linger");
            }
        }
        StageDefinition.Batch batching = asBatch(name, made);
        if (batching == null) {
            throw new ConfigException(where + ".batch", spec.get("batch"), "stage '" + name + "' cannot work on batches");
        }
        int size = positiveInt(where + ".batch.size", batch.getOrDefault("size", StageDefinition.DEFAULT_BATCH_SIZE));
        return batching.withBatching(size, duration(where + ".batch.linger", batch.get("linger"),
                StageDefinition.DEFAULT_BATCH_LINGER));
    }

    /** A whole number of at least 1, or a start-up error naming {@code key}. */
    private static int positiveInt(String key, Object value) {
        int number;
        try {
            number = Integer.parseInt(String.valueOf(value).trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "must be a whole number");
        }
        if (number < 1) {
            throw new ConfigException(key, number, "must be at least 1");
        }
        return number;
    }

    private static StageDefinition fromClass(String where, String name, String className, Map<String, Object> params) {
        Class<?> type;
        try {
            type = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ConfigException(where + ".class", className, "no such class on the class path");
        }
        Object instance;
        try {
            Constructor<?> withParams = null;
            try {
                withParams = type.getConstructor(Map.class);
            } catch (NoSuchMethodException e) {
                // no-argument constructor below
            }
            if (withParams != null) {
                Map<String, String> strings = new LinkedHashMap<>();
                params.forEach((k, v) -> strings.put(k, v == null ? null : v.toString()));
                instance = withParams.newInstance(strings);
            } else {
                if (!params.isEmpty()) {
                    throw new ConfigException(where + ".params", params, "class " + className
                            + " takes no parameters (it has no public constructor taking a Map)");
                }
                instance = type.getConstructor().newInstance();
            }
        } catch (NoSuchMethodException e) {
            throw new ConfigException(where + ".class", className, "cannot make one: it has no public constructor"
                    + " taking no arguments or its params as a Map<String, String>");
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new ConfigException(where + ".class", className, "cannot make one: " + cause);
        }
        if (instance instanceof Stage<?, ?> stage) {
            Type[] args = typeArguments(type, Stage.class);
            return new StageDefinition.Map(name, raw(where, className, args, 0), raw(where, className, args, 1), stage);
        }
        if (instance instanceof GatherStage<?, ?> gather) {
            Type[] args = typeArguments(type, GatherStage.class);
            return new StageDefinition.Gather(name, raw(where, className, args, 0), raw(where, className, args, 1), gather);
        }
        if (instance instanceof JoinStage<?, ?, ?> join) {
            Type[] args = typeArguments(type, JoinStage.class);
            return new StageDefinition.Join(name, raw(where, className, args, 0), raw(where, className, args, 1),
                    raw(where, className, args, 2), join);
        }
        if (instance instanceof BatchStage<?, ?> batch) {
            Type[] args = typeArguments(type, BatchStage.class);
            return new StageDefinition.Batch(name, raw(where, className, args, 0), raw(where, className, args, 1), batch);
        }
        if (instance instanceof AsyncBatchStage<?, ?> batch) {
            Type[] args = typeArguments(type, AsyncBatchStage.class);
            return new StageDefinition.Async(name, raw(where, className, args, 0), raw(where, className, args, 1),
                    new AsyncBatcher(batch, StageDefinition.DEFAULT_BATCH_SIZE, StageDefinition.DEFAULT_BATCH_LINGER),
                    false);
        }
        if (instance instanceof AsyncStage<?, ?> async) {
            Type[] args = typeArguments(type, AsyncStage.class);
            return new StageDefinition.Async(name, raw(where, className, args, 0), raw(where, className, args, 1), async,
                    false);
        }
        throw new ConfigException(where + ".class", className,
                "is not a stage: implement Stage, AsyncStage, AsyncBatchStage, GatherStage, JoinStage or BatchStage");
    }

    /** The type arguments with which {@code type} (or a superclass) implements {@code iface}, or null. */
    private static Type[] typeArguments(Class<?> type, Class<?> iface) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Type t : c.getGenericInterfaces()) {
                if (t instanceof ParameterizedType p && p.getRawType() == iface) {
                    return p.getActualTypeArguments();
                }
            }
        }
        return null;
    }

    private static Class<?> raw(String where, String className, Type[] args, int i) {
        if (args == null || !(args[i] instanceof Class<?> c)) {
            throw new ConfigException(where + ".class", className, "cannot tell its input and output types: implement"
                    + " the stage interface directly with concrete types, e.g. Stage<Document, Document>");
        }
        return c;
    }

    /** {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h}, or a number of milliseconds. */
    public static Duration duration(String key, Object value, Duration fallback) {
        if (value == null) {
            return fallback;
        }
        Matcher m = DURATION.matcher(value.toString().trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigException(key, value, "must be a duration such as 500ms, 30s, 2m or 1h");
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
        if (d.isZero()) {
            throw new ConfigException(key, value, "must be more than zero");
        }
        return d;
    }

    private static String string(String where, Map<String, Object> spec, String key) {
        Object value = spec.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Map || value instanceof List) {
            throw new ConfigException(where + "." + key, value, "must be a single value");
        }
        return value.toString();
    }

    private static List<String> list(String where, Map<String, Object> spec, String key) {
        Object value = spec.get(key);
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return List.of(s);
        }
        if (!(value instanceof List<?> items)) {
            throw new ConfigException(where + "." + key, value, "must be a list of stage names");
        }
        return items.stream().map(String::valueOf).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(String where, Map<String, Object> spec, String key) {
        Object value = spec.get(key);
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?>)) {
            throw new ConfigException(where + "." + key, value, "must be a mapping");
        }
        Map<String, Object> copy = new LinkedHashMap<>();
        ((Map<Object, Object>) value).forEach((k, v) -> copy.put(String.valueOf(k), v));
        return copy;
    }
}
