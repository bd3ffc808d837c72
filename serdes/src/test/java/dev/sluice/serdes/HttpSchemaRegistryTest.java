package dev.sluice.serdes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** What needs no registry; SchemaRegistryIT and RegistryOutageIT run it against a real Apicurio Registry. */
class HttpSchemaRegistryTest {

    @Test
    void shouldRefuseApicuriosOwnApiAndNameTheConfluentCompatibleOne() {
        assertThatThrownBy(() -> HttpSchemaRegistry.create("http://registry:8080/apis/registry/v2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http://registry:8080/apis/ccompat/v7");
    }

    @Test
    void shouldCallARegistryThatDoesNotAnswerUnavailableNotTheRecordsFault() {
        HttpSchemaRegistry registry = HttpSchemaRegistry.create("http://127.0.0.1:1/apis/ccompat/v7",
                Duration.ofSeconds(2), Duration.ofSeconds(2));
        assertThatThrownBy(() -> registry.schemaById(7))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .isNotInstanceOf(SerializationException.class)
                .hasMessageContaining("http://127.0.0.1:1/apis/ccompat/v7 is not reachable (GET /schemas/ids/7)")
                .hasMessageContaining("connection refused");
    }

    @Test
    void shouldSendCredentialsButNeverPrintThem() {
        HttpSchemaRegistry registry = HttpSchemaRegistry.create("http://sluice:s3cret@127.0.0.1:1/apis/ccompat/v7",
                Duration.ofSeconds(2), Duration.ofSeconds(2));
        assertThat(registry.describe()).isEqualTo("http://127.0.0.1:1/apis/ccompat/v7");
        assertThatThrownBy(() -> registry.schemaById(7)).message().doesNotContain("s3cret");
    }
}
