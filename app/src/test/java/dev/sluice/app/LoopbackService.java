package dev.sluice.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP service on loopback for stages to call: {@code POST /upper} answers the body in upper
 * case, {@code OK:} first, after {@code delayMillis}; a body starting with {@code slow} waits 3 s
 * more, {@code hang} never gets an answer, {@code garbage} gets an HTML page. While {@link #throttle}
 * says so it answers 429 with {@code Retry-After: 1}. It logs every call's {@code Idempotency-Key} and
 * counts the calls it is answering at once.
 */
public final class LoopbackService implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final long delayMillis;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger most = new AtomicInteger();
    private final AtomicLong throttledUntil = new AtomicLong();
    private final AtomicInteger throttled = new AtomicInteger();
    private final List<String> keys = new CopyOnWriteArrayList<>();
    private final Set<String> answering = ConcurrentHashMap.newKeySet();

    private LoopbackService(long delayMillis) throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true"); // else each answer waits for a delayed ACK
        this.delayMillis = delayMillis;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1_024);
        server.createContext("/upper", this::upper);
        server.setExecutor(threads);
        server.start();
    }

    /** A service that answers each call after {@code delayMillis}. */
    public static LoopbackService start(long delayMillis) throws IOException {
        return new LoopbackService(delayMillis);
    }

    /** Where to call it: {@code http://127.0.0.1:<port>/upper}. */
    public String url() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort()
                + "/upper";
    }

    /** From now on for {@code millis}, every call is answered 429 with Retry-After: 1. */
    public void throttle(long millis) {
        throttledUntil.set(System.currentTimeMillis() + millis);
    }

    /** The most calls it answered at once. */
    public int mostAtOnce() {
        return most.get();
    }

    /** How many calls it is answering now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** How many calls it answered 429. */
    public int throttled() {
        return throttled.get();
    }

    /** The Idempotency-Keys of the calls it is answering now. */
    public Set<String> inFlightKeys() {
        return Set.copyOf(answering);
    }

    /** The Idempotency-Key of every call, in the order they came. */
    public List<String> keys() {
        return List.copyOf(keys);
    }

    private void upper(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String key = String.valueOf(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
            keys.add(key);
            if (System.currentTimeMillis() < throttledUntil.get()) {
                throttled.incrementAndGet();
                exchange.getResponseHeaders().add("Retry-After", "1");
                exchange.sendResponseHeaders(429, -1);
                return;
            }
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            answering.add(key);
            try {
                Thread.sleep(delayMillis + (body.startsWith("slow") ? 3_000 : 0) + (body.startsWith("hang") ? 600_000 : 0));
            } finally {
                answering.remove(key);
                inFlight.decrementAndGet();
            }
            String answer = body.startsWith("garbage") ? "<html><body>Bad gateway, try later</body></html>"
                    : "OK:" + body.toUpperCase(Locale.ROOT);
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
