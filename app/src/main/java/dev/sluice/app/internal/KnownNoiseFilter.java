package dev.sluice.app.internal;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Marker;

/**
 * Quiets two kinds of noise from the Kafka libraries.
 *
 * <p>One warning Kafka Streams 4.3 logs although Sluice follows its advice is dropped: the partition
 * assignor builds a second StreamsConfig from consumer settings, which never carry
 * {@code processing.exception.handler.global.enabled}, and warns that it is off. Sluice sets it on.
 *
 * <p>The clients' warnings that a broker cannot be reached are let through once per client and kind
 * every {@value #UNREACHABLE_EVERY_MS} ms: while the whole cluster is away every client of an
 * instance (a dozen, with its lanes) warns at each reconnect attempt, 22,000 lines in 14 minutes,
 * which buried what else the log said. The first of each still says which client lost which broker.
 */
public final class KnownNoiseFilter extends TurboFilter {

    private static final String STREAMS_CONFIG = "org.apache.kafka.streams.StreamsConfig";
    private static final String GLOBAL_HANDLER_WARNING = "Processing exception handler is not enabled for the GlobalThread";
    private static final String NETWORK_CLIENT = "org.apache.kafka.clients.NetworkClient";
    /** How long after a warning that a broker is unreachable the same client's next one of the kind waits. */
    static final long UNREACHABLE_EVERY_MS = 30_000;

    private final LongSupplier clock;
    /** When each (client, kind of warning) last got through; the format carries the client's prefix. */
    private final Map<String, Long> lastUnreachable = new ConcurrentHashMap<>();

    public KnownNoiseFilter() {
        this(System::currentTimeMillis);
    }

    KnownNoiseFilter(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level != Level.WARN || format == null || logger == null) {
            return FilterReply.NEUTRAL;
        }
        if (format.startsWith(GLOBAL_HANDLER_WARNING) && STREAMS_CONFIG.equals(logger.getName())) {
            return FilterReply.DENY;
        }
        if (NETWORK_CLIENT.equals(logger.getName()) && (format.contains("could not be established")
                || format.contains("disconnected"))) {
            long now = clock.getAsLong();
            Long last = lastUnreachable.get(format);
            if (last != null && now - last < UNREACHABLE_EVERY_MS) {
                return FilterReply.DENY;
            }
            if (lastUnreachable.size() > 10_000) {
                lastUnreachable.clear();
            }
            lastUnreachable.put(format, now);
        }
        return FilterReply.NEUTRAL;
    }
}
