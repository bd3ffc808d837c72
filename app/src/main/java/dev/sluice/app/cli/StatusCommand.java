package dev.sluice.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice status}: a job's latest status and trace, from the status store, through any instance's gateway. */
@Command(name = "status",
        mixinStandardHelpOptions = true,
        header = "Print jobs' status (ACCEPTED, RUNNING at a stage, or how they ended) and their trace.",
        description = {
            "",
            "Asks the HTTP gateway of a running instance (sluice run --http PORT) for GET /v1/jobs/{id}; any"
                    + " instance answers for every job, asking the one that keeps it. Exit code 1 when a job is"
                    + " unknown (never accepted, or longer ago than status.retention.ms) or did not complete.",
            ""
        })
final class StatusCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "JOB", arity = "1..*", description = "The ids of the jobs.")
    List<String> jobIds;

    @Option(names = "--gateway", paramLabel = "URL", defaultValue = "${env:SLUICE_GATEWAY:-http://localhost:8080}",
            description = "The gateway of any instance (default: ${DEFAULT-VALUE}; or SLUICE_GATEWAY).")
    String gateway;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:SLUICE_HTTP_TOKEN}",
            description = "The gateway's bearer token, if it has one (default: SLUICE_HTTP_TOKEN).")
    String token;

    @Option(names = "--json", description = "Print the gateway's JSON answer as it is, one line per job.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = gateway.endsWith("/") ? gateway.substring(0, gateway.length() - 1) : gateway;
        int exit = 0;
        for (String id : jobIds) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/v1/jobs/"
                    + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20"))).timeout(Duration.ofSeconds(30));
            if (token != null && !token.isBlank()) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<String> answer;
            try {
                answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (ConnectException e) {
                throw new IllegalStateException("no gateway answers at " + base + " (start one with sluice run --http PORT,"
                        + " or name it with --gateway URL)", e);
            } catch (IOException e) {
                throw new IllegalStateException("the gateway at " + base + " did not answer: " + e.getMessage(), e);
            }
            JsonNode body = JSON.readTree(answer.body());
            if (json) {
                out.println(body);
            } else if (answer.statusCode() == 200) {
                print(out, body);
            } else {
                out.println("job " + id + ": " + body.path("error").asText("HTTP " + answer.statusCode()));
            }
            if (answer.statusCode() != 200 || !body.path("status").asText().equals("COMPLETED")) {
                exit = 1;
            }
        }
        out.flush();
        return exit;
    }

    /** {@code job ID: STATUS [at STAGE]}, its error if any, then one line per stage of its trace. */
    static void print(PrintWriter out, JsonNode status) {
        String state = status.path("status").asText();
        String stage = status.path("stage").asText(null);
        StringBuilder line = new StringBuilder("job ").append(status.path("jobId").asText()).append(": ").append(state);
        if (stage != null && state.equals("RUNNING")) {
            line.append(" at ").append(stage);
        }
        if (status.path("partial").asBoolean()) {
            line.append(" (partial)");
        }
        if (!status.path("acceptedAt").isNull() && status.has("acceptedAt")) {
            line.append(", accepted ").append(status.path("acceptedAt").asText());
        }
        line.append(", updated ").append(status.path("updatedAt").asText());
        out.println(line);
        JsonNode error = status.path("error");
        if (error.isObject()) {
            out.printf("  error at stage %s: %s: %s (%d attempt%s)%n", error.path("stage").asText(),
                    error.path("errorClass").asText(), error.path("message").asText(), error.path("attempts").asInt(),
                    error.path("attempts").asInt() == 1 ? "" : "s");
        }
        for (JsonNode t : status.path("trace")) {
            String note = t.path("note").asText("");
            out.printf(Locale.ROOT, "  %-16s started %s  took %9.3f ms%s%n", t.path("stage").asText(),
                    t.path("startedAt").asText(), t.path("durationMicros").asLong() / 1000.0,
                    note.isEmpty() ? "" : "  " + note);
        }
    }
}
