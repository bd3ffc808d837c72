package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

class ThreadFailureTest {

    @Test
    void shouldReplaceAThreadWhoseTransactionWasAbortedAfterASendTimedOut() {
        // as OutageIT's instance logged it, after the whole cluster had been away for two minutes
        StreamsException lost = new StreamsException("Error encountered sending record to topic outage.events for"
                + " task 1_0", new TransactionAbortableException("Transaction Request was aborted after exhausting"
                + " retries.", new TimeoutException("Topic outage.events not present in metadata after 60000 ms.")));
        assertThat(SluiceRunner.lostItsTransaction(lost)).isTrue();
    }

    @Test
    void shouldStopTheInstanceOnAnyOtherFailure() {
        assertThat(SluiceRunner.lostItsTransaction(new StreamsException("bad record",
                new SerializationException("cannot serialize")))).isFalse();
        assertThat(SluiceRunner.lostItsTransaction(new StreamsException(new ProducerFencedException("fenced"))))
                .isFalse();
        assertThat(SluiceRunner.lostItsTransaction(new IllegalStateException("a bug"))).isFalse();
    }
}
