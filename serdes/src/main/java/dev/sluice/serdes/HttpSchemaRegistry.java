package dev.sluice.serdes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.schemas.Compatibility;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A schema registry that speaks Confluent's REST API: Confluent Schema Registry itself, or
 * Apicurio Registry's Confluent-compatible API ({@code http://HOST:PORT/apis/ccompat/v7}). Only the
 * JDK's HTTP client and Jackson, so the ids it writes are exactly those the registry reports to any
 * other client of that API, in any language.
 *
 * <p>Every id it learned (by registering, or by looking one up) stays in memory for the life of the
 * process: a registry outage stops nothing that has seen its schemas before. An id it has not seen
 * while the registry is unreachable is a {@link SchemaRegistryUnavailableException} (try again later),
 * never an {@link UnknownSchemaException} (the record is bad). Credentials in the URL
 * ({@code http://user:secret@host/...}) go out as HTTP basic authentication and are never printed.
 */
public final class HttpSchemaRegistry implements SchemaRegistry {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    /** Confluent's error codes, which Apicurio's API gives too. */
    private static final int SUBJECT_NOT_FOUND = 40401;
    private static final int SCHEMA_NOT_FOUND = 40403;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String described;
    private final String authorization;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();

    private HttpSchemaRegistry(URI base, String authorization, Duration connectTimeout, Duration requestTimeout) {
        this.base = base;
        this.authorization = authorization;
        this.requestTimeout = requestTimeout;
        this.described = withoutCredentials(base);
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
    }

    /**
     * The registry at {@code url}, with 5 s to connect and 10 s per request.
     *
     * @throws IllegalArgumentException when the URL is not an http(s) URL of a Confluent-compatible API
     */
    public static HttpSchemaRegistry create(String url) {
        return create(url, Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    /** The registry at {@code url} with the given timeouts. */
    public static HttpSchemaRegistry create(String url, Duration connectTimeout, Duration requestTimeout) {
        URI uri;
        try {
            uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException e) {
            // neither the URL nor the parser's message (which quotes it) may carry its credentials out
            throw new IllegalArgumentException("registry URL " + url.replaceFirst("//[^/@]*@", "//") + " is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("registry URL " + withoutCredentials(uri)
                    + " is not an http(s)://HOST[:PORT][/PATH] URL");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (path.contains("/apis/registry/")) {
            throw new IllegalArgumentException("registry URL " + withoutCredentials(uri) + " is Apicurio's own API;"
                    + " Sluice speaks the Confluent-compatible one: " + uri.getScheme() + "://" + uri.getAuthority()
                    .replaceFirst(".*@", "") + "/apis/ccompat/v7");
        }
        String authorization = null;
        if (uri.getRawUserInfo() != null) {
            authorization = "Basic " + Base64.getEncoder().encodeToString(
                    URLDecoder.decode(uri.getRawUserInfo(), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
        }
        return new HttpSchemaRegistry(uri, authorization, connectTimeout, requestTimeout);
    }

    @Override
    public int register(String subject, Schema schema) {
        Integer known = idsBySubject.getOrDefault(subject, Map.of()).get(schema);
        if (known != null) {
            return known;
        }
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
        Answer answer = send("POST", "/subjects/" + encode(subject) + "/versions", body);
        if (answer.status == 409) {
            String rule;
            try {
                rule = "rule " + compatibility(subject);
            } catch (RuntimeException e) {
                rule = "its compatibility rule";
            }
            throw new IncompatibleSchemaException("registry " + described + " refuses schema " + schema.getFullName()
                    + " under subject " + subject + " (" + rule + "): " + answer.message());
        }
        int id = answer.expect(200, "register " + schema.getFullName() + " under " + subject).path("id").asInt(-1);
        if (id < 0) {
            throw new SerializationException("registry " + described + " answered no id for " + subject + ": "
                    + answer.body);
        }
        schemasById.putIfAbsent(id, schema);
        idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schema, id);
        return id;
    }

    @Override
    public Schema schemaById(int id) {
        Schema known = schemasById.get(id);
        if (known != null) {
            return known;
        }
        Answer answer = send("GET", "/schemas/ids/" + id, null);
        if (answer.status == 404 && answer.errorCode() == SCHEMA_NOT_FOUND) {
            throw new UnknownSchemaException(id, described);
        }
        Schema schema = parse(answer.expect(200, "look up schema id " + id), "schema id " + id);
        Schema raced = schemasById.putIfAbsent(id, schema);
        return raced == null ? schema : raced;
    }

    @Override
    public List<Schema> schemas(String subject) {
        Answer answer = send("GET", "/subjects/" + encode(subject) + "/versions", null);
        if (answer.status == 404 && answer.errorCode() == SUBJECT_NOT_FOUND) {
            return List.of();
        }
        List<Schema> schemas = new ArrayList<>();
        for (JsonNode version : answer.expect(200, "list the versions of " + subject)) {
            String what = subject + " version " + version.asText();
            schemas.add(parse(send("GET", "/subjects/" + encode(subject) + "/versions/" + version.asInt(), null)
                    .expect(200, "read " + what), what));
        }
        return schemas;
    }

    @Override
    public Compatibility compatibility(String subject) {
        Answer answer = send("GET", "/config/" + encode(subject) + "?defaultToGlobal=true", null);
        if (answer.status == 404) {
            // a subject with no versions and no rule of its own (Apicurio): the registry's default holds
            answer = send("GET", "/config", null);
        }
        JsonNode config = answer.expect(200, "read the compatibility rule of " + subject);
        return Compatibility.of(config.path("compatibilityLevel").asText(config.path("compatibility").asText("")));
    }

    @Override
    public void setCompatibility(String subject, Compatibility rule) {
        send("PUT", "/config/" + encode(subject), JSON.createObjectNode().put("compatibility", rule.name()))
                .expect(200, "set the compatibility rule of " + subject + " to " + rule);
    }

    @Override
    public String describe() {
        return described;
    }

    /** Answers the registry's root, to tell whether it is up; throws as any request does when it is not. */
    public void ping() {
        send("GET", "/subjects", null).expect(200, "list subjects");
    }

    private Schema parse(JsonNode answer, String what) {
        try {
            return new Schema.Parser().parse(answer.path("schema").asText());
        } catch (RuntimeException e) {
            throw new SerializationException("registry " + described + " gave " + what + " as a schema Avro cannot"
                    + " read: " + e.getMessage(), e);
        }
    }

    private Answer send(String method, String path, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(requestTimeout)
                .header("Accept", CONTENT_TYPE + ", application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()));
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new SchemaRegistryUnavailableException("schema registry " + described + " is not reachable ("
                    + method + " " + path + "): " + why(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException("interrupted while asking schema registry " + described, e);
        }
        if (response.statusCode() >= 500) {
            throw new SchemaRegistryUnavailableException("schema registry " + described + " answered " + method + " "
                    + path + " with HTTP " + response.statusCode() + ": " + response.body(), null);
        }
        return new Answer(response.statusCode(), response.body());
    }

    private String why(IOException e) {
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + requestTimeout.toMillis() + " ms";
        }
        return e.toString();
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String withoutCredentials(URI uri) {
        return uri.getRawUserInfo() == null ? uri.toString() : uri.toString().replace(uri.getRawUserInfo() + "@", "");
    }

    /** A registry's answer below HTTP 500. */
    private final class Answer {
        final int status;
        final String body;

        Answer(int status, String body) {
            this.status = status;
            this.body = body;
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new SerializationException("registry " + described + " answered HTTP " + status
                        + " with a body that is not JSON: " + body, e);
            }
        }

        int errorCode() {
            try {
                return JSON.readTree(body).path("error_code").asInt(0);
            } catch (IOException e) {
                return 0;
            }
        }

        String message() {
            String shown = body.length() > 300 ? body.substring(0, 300) + "..." : body;
            try {
                return JSON.readTree(body).path("message").asText(shown);
            } catch (IOException e) {
                return shown;
            }
        }

        /** The JSON body when the status is {@code expected}; else a SerializationException that says what failed. */
        JsonNode expect(int expected, String what) {
            if (status != expected) {
                String hint = status == 404 && errorCode() == 0 ? " (is " + described + " the root of a Confluent-compatible"
                        + " registry API? Apicurio Registry's ends in /apis/ccompat/v7)" : "";
                throw new SerializationException("schema registry " + described + " could not " + what + ": HTTP "
                        + status + ": " + message() + hint);
            }
            return json();
        }
    }
}
