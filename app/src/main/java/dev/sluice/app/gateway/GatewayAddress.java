package dev.sluice.app.gateway;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Where an instance's gateway listens, and the address other instances reach it at: Kafka Streams'
 * {@code application.server}, through which a gateway finds the instance that keeps a job's status.
 * The address is {@code kafka.application.server} when the configuration gives one, else the listening
 * host (this machine's name when that is a wildcard) and port. The port is fixed before Kafka Streams
 * starts, so port 0 takes a free port now.
 */
public record GatewayAddress(String host, int port, HostInfo advertised) {

    public static GatewayAddress of(String host, int port, Object configuredServer) throws IOException {
        int bound = port == 0 ? freePort(host) : port;
        HostInfo advertised = configuredServer != null && !configuredServer.toString().isBlank()
                ? HostInfo.buildFromEndpoint(configuredServer.toString().trim())
                : new HostInfo(reachable(host), bound);
        return new GatewayAddress(host, bound, advertised);
    }

    /** The Streams setting that publishes the address. */
    public Map<String, Object> streamsProperties() {
        return Map.of(StreamsConfig.APPLICATION_SERVER_CONFIG, advertised.host() + ":" + advertised.port());
    }

    private static String reachable(String host) {
        if (!host.equals("0.0.0.0") && !host.equals("::") && !host.isBlank()) {
            return host;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, 0));
            return socket.getLocalPort();
        }
    }
}
