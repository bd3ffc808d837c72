package dev.sluice.app.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.topology.SluiceConfig;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class GatewayAccessTest {

    @Test
    void shouldRefuseAnOpenGatewayOnAnAddressOthersCanReach() {
        assertThatThrownBy(() -> GatewayAccess.OPEN.refuseOpenExposure("0.0.0.0", 8080, false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(SluiceConfig.HTTP_TOKEN_CONFIG)
                .hasMessageContaining("SLUICE_HTTP_TOKEN")
                .hasMessageContaining("--http-insecure");
        for (String loopback : new String[] {"127.0.0.1", "localhost", "::1"}) {
            GatewayAccess.OPEN.refuseOpenExposure(loopback, 8080, false);
        }
        GatewayAccess.OPEN.refuseOpenExposure("0.0.0.0", 8080, true);
        new GatewayAccess("t", null).refuseOpenExposure("0.0.0.0", 8080, false);
    }

    @Test
    void shouldLetTheTokenDoAllAndTheReadTokenOnlyRead() {
        GatewayAccess access = new GatewayAccess("t", "r");
        assertThat(access.check("POST", "/v1/jobs", "Bearer t")).isZero();
        assertThat(access.check("GET", "/v1/jobs/x", "Bearer r")).isZero();
        assertThat(access.check("POST", "/v1/jobs", "Bearer r")).isEqualTo(403);
        assertThat(access.check("DELETE", "/v1/jobs/x", "Bearer r")).isEqualTo(403);
        assertThat(access.check("POST", "/v1/pipeline/pause", "Bearer r")).isEqualTo(403);
        assertThat(access.check("GET", "/v1/jobs", null)).isEqualTo(401);
        assertThat(access.check("GET", "/v1/jobs", "Bearer guess")).isEqualTo(401);
        assertThat(access.check("GET", "/health/ready", null)).isZero();
        assertThat(access.check("GET", "/openapi.json", null)).isZero();
        assertThat(GatewayAccess.OPEN.check("POST", "/v1/jobs", null)).isZero();
    }

    @Test
    void shouldRefuseAReadTokenWithoutATokenNamingTheKey() {
        SluiceConfig config = new SluiceConfig(Map.of("kafka.bootstrap.servers", "localhost:1",
                SluiceConfig.HTTP_READ_TOKEN_CONFIG, "r"));
        assertThatThrownBy(() -> GatewayAccess.of(config)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(SluiceConfig.HTTP_READ_TOKEN_CONFIG).hasMessageNotContaining("=r");
    }
}
