package dev.sluice.app.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** What the gateway answers for a job the cluster did not take. */
class GatewaySubmitTest {

    @Test
    void shouldAnswer413ForAJobTooLargeToSendAnd503ForOneTheClusterDidNotAcknowledge() {
        Gateway.BadRequest tooLarge = Gateway.notWritten("big-1", new RecordTooLargeException("The message is 1500123"
                + " bytes when serialized which is larger than 1048576, which is the value of the max.request.size"
                + " configuration."));
        assertThat(tooLarge.status).isEqualTo(413);
        assertThat(tooLarge.getMessage()).contains("big-1", "too large", "max.request.size");

        Gateway.BadRequest unacknowledged = Gateway.notWritten("job-2",
                new TimeoutException("Topic sluice.jobs not present in metadata after 60000 ms."));
        assertThat(unacknowledged.status).isEqualTo(503);
        assertThat(unacknowledged.getMessage()).contains("job-2", "was not written", "TimeoutException",
                "not present in metadata");
    }
}
