package dev.sluice.app.gateway;

import dev.sluice.topology.SluiceConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;

/**
 * Who may do what at the gateway. With {@code http.token}, every request but the health checks, the
 * API's description and the dashboard's own files (which hold no data) must carry
 * {@code Authorization: Bearer <token>}. With {@code http.read.token} as well, that token may read
 * (GET: status, events, the latest jobs, the graph, stats, metrics) but not submit, cancel or pause,
 * as a read-only dashboard user should. Tokens are compared in constant time.
 */
public final class GatewayAccess {

    /** No token: anyone who reaches the gateway may do anything. Only for a loopback address, or when asked. */
    public static final GatewayAccess OPEN = new GatewayAccess(null, null);

    /** What needs no token: the API's description and the dashboard's page, script and style sheet. */
    private static final Set<String> PUBLIC = Set.of("/openapi.json", "/", "/dashboard.js", "/dashboard.css");

    private final byte[] control;
    private final byte[] read;

    /**
     * @param token what every request needs, or null for none
     * @param readToken what may read only; null for none
     * @throws IllegalArgumentException for a read token without a token: it would restrict nothing
     */
    public GatewayAccess(String token, String readToken) {
        if (readToken != null && token == null) {
            throw new IllegalArgumentException("a read token restricts nothing without a token for the rest");
        }
        this.control = bearer(token);
        this.read = bearer(readToken);
    }

    /**
     * The access {@code config} gives: {@code http.token} and {@code http.read.token}.
     *
     * @throws ConfigException naming {@code http.read.token} when it is set without {@code http.token}
     */
    public static GatewayAccess of(SluiceConfig config) {
        if (config.httpReadToken() != null && config.httpToken() == null) {
            throw new ConfigException(SluiceConfig.HTTP_READ_TOKEN_CONFIG, "[hidden]", "a read-only token needs "
                    + SluiceConfig.HTTP_TOKEN_CONFIG + " (SLUICE_HTTP_TOKEN) for submitting, cancelling and pausing;"
                    + " without it those would be open to all");
        }
        return new GatewayAccess(config.httpToken(), config.httpReadToken());
    }

    /** Whether every request may be made without a token. */
    public boolean open() {
        return control == null;
    }

    /**
     * Refuses to serve an open gateway where others can reach it: on an address that is not loopback,
     * with no token, unless {@code insecure} says that is meant.
     *
     * @throws ConfigException naming {@code http.token}, with how to set one
     */
    public void refuseOpenExposure(String host, int port, boolean insecure) {
        if (!open() || insecure || isLoopback(host)) {
            return;
        }
        throw new ConfigException(SluiceConfig.HTTP_TOKEN_CONFIG, null, "the gateway would listen on " + host + ":"
                + port + " with no token, so anyone who can reach it could submit, cancel and pause jobs. Set a token"
                + " (http.token in the configuration file, or SLUICE_HTTP_TOKEN), listen on a loopback address"
                + " (--http-host 127.0.0.1), or pass --http-insecure if an open gateway is what you mean");
    }

    /**
     * Whether a request may be made: 0 if so, else the status to answer (401 without the right token,
     * 403 for a read token asking to change something).
     */
    int check(String method, String path, String authorization) {
        if (control == null || path.startsWith("/health/") || PUBLIC.contains(path)) {
            return 0;
        }
        byte[] given = authorization == null ? null : authorization.getBytes(StandardCharsets.UTF_8);
        if (given != null && MessageDigest.isEqual(control, given)) {
            return 0;
        }
        if (given != null && read != null && MessageDigest.isEqual(read, given)) {
            return method.equals("GET") || method.equals("HEAD") ? 0 : 403;
        }
        return 401;
    }

    private static byte[] bearer(String token) {
        return token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@code host} names this machine's loopback interface only. */
    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
