package dev.sluice.app.runtime;

import dev.sluice.schemas.Compatibility;
import dev.sluice.schemas.Control;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobEvents;
import dev.sluice.schemas.JobResult;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.SchemaRegistry;
import dev.sluice.serdes.SchemaRegistryUnavailableException;
import dev.sluice.serdes.SluiceTopics;
import dev.sluice.serdes.internal.WireFormat;
import dev.sluice.topology.pipeline.Pipeline;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sluice's subjects in a schema registry: one per topic it reads or writes through the registry,
 * named by the topic-name strategy ({@code <topic>-value}): a Job on the jobs topic and each lane's, a
 * JobResult on the results topic, a Control on the control topic; and the payloads those envelopes
 * carry, under {@code <topic>-payload}: the pipeline's input on the jobs topic, what each lane carries
 * on its topic, the pipeline's output on the results topic. At start-up an instance sets the
 * compatibility rule on each and registers its schema there, so that a schema that breaks the rule
 * stops start-up rather than the first record, and every id it writes is known before any record.
 */
public final class SchemaSetup {

    private static final Logger log = LoggerFactory.getLogger(SchemaSetup.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    private static final Duration LONGEST_BACKOFF = Duration.ofSeconds(10);

    private SchemaSetup() {
    }

    /** Each subject of a deployment of {@code pipeline}, with the schema Sluice writes or reads there. */
    public static Map<String, Schema> subjects(SluiceTopics topics, Pipeline pipeline) {
        Map<String, Schema> subjects = new LinkedHashMap<>();
        subjects.put(WireFormat.subject(topics.jobs().name(), false), Job.getClassSchema());
        if (pipeline.isPassThrough()) {
            // a pass-through result carries the job's payload as it came; a job written before payloads, its
            // Document, written as if it had come as the payload
            subjects.put(WireFormat.payloadSubject(topics.jobs().name()), Document.getClassSchema());
        }
        payload(subjects, topics.jobs().name(), pipeline.input());
        for (String lane : pipeline.lanes()) {
            subjects.put(WireFormat.subject(topics.lane(lane).name(), false), Job.getClassSchema());
            payload(subjects, topics.lane(lane).name(), pipeline.lanePayload(lane));
        }
        subjects.put(WireFormat.subject(topics.results().name(), false), JobResult.getClassSchema());
        payload(subjects, topics.results().name(), pipeline.output());
        subjects.put(WireFormat.subject(topics.events().name(), false), JobEvents.getClassSchema());
        subjects.put(WireFormat.subject(topics.control().name(), false), Control.getClassSchema());
        return subjects;
    }

    /** The payload subject of {@code topic}, if its payloads have one schema. */
    private static void payload(Map<String, Schema> subjects, String topic, PayloadType<?> type) {
        if (!type.isAny()) {
            subjects.put(WireFormat.payloadSubject(topic), type.schema());
        }
    }

    /**
     * Sets {@code rule} on every subject and registers its schema, waiting for a registry that does not
     * answer, with backoff, for up to {@code timeout}.
     *
     * @return the id of each subject's schema
     * @throws IllegalStateException when the registry did not answer in time
     * @throws dev.sluice.serdes.IncompatibleSchemaException when the registry refuses a schema under the rule
     */
    public static Map<String, Integer> prepare(SchemaRegistry registry, Map<String, Schema> subjects, Compatibility rule,
                                        Duration timeout) throws InterruptedException {
        return withRegistry(registry, timeout, () -> {
            Map<String, Integer> ids = new LinkedHashMap<>();
            subjects.forEach((subject, schema) -> {
                registry.setCompatibility(subject, rule);
                ids.put(subject, registry.register(subject, schema));
            });
            log.info("schema registry {}: subjects {} under {}, ids {}", registry.describe(), subjects.keySet(), rule,
                    ids.values());
            return ids;
        });
    }

    /** Registers every subject's schema (no rule set), as a client does before it writes. */
    static void register(SchemaRegistry registry, Map<String, Schema> subjects) {
        subjects.forEach(registry::register);
    }

    private static String readable(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    /**
     * Runs {@code call}, again and again while the registry does not answer, with backoff from 0.5 s to
     * 10 s, for up to {@code timeout}.
     */
    public static <T> T withRegistry(SchemaRegistry registry, Duration timeout, Supplier<T> call) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                T result = call.get();
                if (attempt > 1) {
                    log.info("schema registry {} answers, after {} s", registry.describe(),
                            Duration.ofNanos(System.nanoTime() - start).toSeconds());
                }
                return result;
            } catch (SchemaRegistryUnavailableException e) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("schema registry " + registry.describe() + " did not answer within "
                            + readable(timeout) + " (registry.startup.timeout.ms); the last try: " + e.getMessage(), e);
                }
                Duration wait = Duration.ofNanos(Math.min(backoff.toNanos(), left));
                log.warn("waiting for schema registry {}: {}; trying again in {} ms (attempt {}, gives up after {}:"
                        + " registry.startup.timeout.ms)", registry.describe(), e.getMessage(), wait.toMillis(), attempt,
                        readable(timeout));
                Thread.sleep(wait.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(LONGEST_BACKOFF) > 0 ? LONGEST_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }
}
