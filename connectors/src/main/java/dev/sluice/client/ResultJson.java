package dev.sluice.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.serdes.Result;

/**
 * A job's result as JSON, the form the HTTP gateway answers with and the results file sink writes:
 * the JobResult's fields as Avro prints them ({@code jobId}, {@code status}, {@code completedAt},
 * {@code attributes}, {@code partial}, {@code error}, {@code trace}), with {@code output} the job's
 * output record in the JSON mapping of {@link PayloadJson}, and without the output's wire-format bytes.
 */
public final class ResultJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultJson() {
    }

    /** {@code result} as one line of JSON. */
    public static String of(Result<?> result) {
        try {
            ObjectNode node = (ObjectNode) JSON.readTree(result.record().toString());
            node.remove("payload");
            Object output = result.getOutput();
            node.set("output", output == null ? NullNode.getInstance() : PayloadJson.write(output));
            return node.toString();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the result of job " + result.getJobId() + " does not print as JSON", e);
        }
    }
}
