package dev.sluice.app.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class KnownNoiseFilterTest {

    private static final String CONSUMER = "[Consumer clientId=a-StreamThread-1-consumer, groupId=a] Connection to node"
            + " {} ({}) could not be established. Node may not be available.";
    private static final String PRODUCER = "[Producer clientId=a-StreamThread-1-producer] Connection to node"
            + " {} ({}) could not be established. Node may not be available.";

    private final LoggerContext logging = new LoggerContext();
    private final Logger network = logging.getLogger("org.apache.kafka.clients.NetworkClient");
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final KnownNoiseFilter filter = new KnownNoiseFilter(now::get);

    private FilterReply warn(Logger logger, String format) {
        return filter.decide(null, logger, Level.WARN, format, new Object[] {1, "/127.0.0.1:9092"}, null);
    }

    @Test
    void shouldLetOneUnreachableWarningThroughPerClientEveryThirtySeconds() {
        assertThat(warn(network, CONSUMER)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(warn(network, PRODUCER)).as("another client").isEqualTo(FilterReply.NEUTRAL);
        now.addAndGet(1_000);
        assertThat(warn(network, CONSUMER)).isEqualTo(FilterReply.DENY);
        assertThat(warn(network, PRODUCER)).isEqualTo(FilterReply.DENY);
        now.addAndGet(KnownNoiseFilter.UNREACHABLE_EVERY_MS);
        assertThat(warn(network, CONSUMER)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(warn(network, CONSUMER)).isEqualTo(FilterReply.DENY);
    }

    @Test
    void shouldLeaveOtherWarningsAndLevelsAlone() {
        warn(network, CONSUMER);
        assertThat(filter.decide(null, network, Level.ERROR, CONSUMER, null, null)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(warn(network, "[Consumer clientId=a] Something else {}")).isEqualTo(FilterReply.NEUTRAL);
        assertThat(warn(logging.getLogger("dev.sluice.Other"), CONSUMER)).isEqualTo(FilterReply.NEUTRAL);
    }

    @Test
    void shouldDropTheGlobalHandlerWarningOfStreamsConfig() {
        assertThat(warn(logging.getLogger("org.apache.kafka.streams.StreamsConfig"),
                "Processing exception handler is not enabled for the GlobalThread...")).isEqualTo(FilterReply.DENY);
    }
}
