package dev.sluice.app.gateway;

import dev.sluice.app.runtime.LaneLag;
import dev.sluice.app.runtime.SluiceRunner;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * What an instance exposes at {@code GET /metrics} in Prometheus's text format: its stages' meters
 * ({@code sluice_stage_records_total{stage, outcome}}, {@code sluice_stage_processing_seconds},
 * {@code sluice_gather_groups_total}), each lane's consumer lag ({@code sluice_lane_consumer_lag{lane, topic}},
 * see {@link LaneLag}), its Kafka Streams
 * metrics (threads, tasks, processors, stores, the clients under them: {@code kafka_stream_*},
 * {@code kafka_consumer_*}, {@code kafka_producer_*}, with a {@code segment} tag), the JVM's (memory,
 * GC, threads, classes) and the process's (CPU, uptime).
 */
public final class Metrics {

    private Metrics() {
    }

    /** {@code runner}'s registry (its stages' meters), with Kafka Streams', the JVM's and the process's added. */
    public static PrometheusMeterRegistry of(SluiceRunner runner) {
        PrometheusMeterRegistry registry = runner.meters();
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        runner.bindMetrics(registry);
        return registry;
    }
}
