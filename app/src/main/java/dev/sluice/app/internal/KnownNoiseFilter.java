package dev.sluice.app.internal;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops one warning that Kafka Streams 4.3 logs although Sluice follows its advice: the partition
 * assignor builds a second StreamsConfig from consumer settings, which never carry
 * {@code processing.exception.handler.global.enabled}, and warns that it is off. Sluice sets it on.
 */
public final class KnownNoiseFilter extends TurboFilter {

    private static final String STREAMS_CONFIG = "org.apache.kafka.streams.StreamsConfig";
    private static final String GLOBAL_HANDLER_WARNING = "Processing exception handler is not enabled for the GlobalThread";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level == Level.WARN && format != null && format.startsWith(GLOBAL_HANDLER_WARNING)
                && STREAMS_CONFIG.equals(logger.getName())) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }
}
