package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.CommittedResults;
import dev.sluice.app.KafkaCluster;
import dev.sluice.app.LoopbackService;
import dev.sluice.app.ResultCheck;
import dev.sluice.app.SluiceProcess;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobStatus;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.SluiceTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of {@code sluice run} (JVMs of their own) call a real HTTP service on loopback from an
 * asynchronous stage configured in YAML; one is killed with SIGKILL while hundreds of calls are in
 * flight, under exactly_once_v2, and started again. Every job still ends in exactly one result, no
 * transaction is left open, and the service's log shows the calls that were made twice: those the
 * killed instance had in flight, made again by the task's new owner from the stage's store. The stage
 * retries a failed call, as a stage calling a service on a busy machine should (a connection that
 * takes over 5 s is a failure): the test is of the kill, not of the service.
 */
class AsyncCrashIT {

    private static final int JOBS = 1_500;
    private static final String PREFIX = "async-crash";

    @TempDir
    Path dir;

    @Test
    void shouldEndEveryJobInExactlyOneResultWhenAnInstanceIsKilledWithCallsInFlight() throws Exception {
        try (KafkaCluster kafka = KafkaCluster.start(1); LoopbackService service = LoopbackService.start(2_000)) {
            Path config = dir.resolve("pipeline.yaml");
            Files.writeString(config, """
                    pipeline: calling
                    topics: {prefix: %s, partitions: 4}
                    registry: {url: "mem://async-crash-it"}
                    stages:
                      - {name: call, class: dev.sluice.app.HttpUpper, params: {url: "%s"},
                         async: {concurrency: 100, timeout: 60s}, retry: {attempts: 4, backoff: 500ms}}
                    kafka:
                      processing.guarantee: exactly_once_v2
                      consumer.session.timeout.ms: 6000
                      consumer.heartbeat.interval.ms: 1500
                    """.formatted(PREFIX, service.url()));
            List<SluiceProcess> instances = new ArrayList<>();
            try {
                instances.add(instance(kafka, config, 0));
                instances.get(0).awaitLog("REBALANCING -> RUNNING", Duration.ofSeconds(120));
                instances.add(instance(kafka, config, 1));
                instances.get(1).awaitLog("REBALANCING -> RUNNING", Duration.ofSeconds(120));
                SluiceTopics topics = SluiceTopics.create(PREFIX, AvroSerdes.forUrl("mem://async-crash-it"));
                CommittedResults.knowSluiceSchemas("async-crash-it", topics);
                Set<String> submitted = produce(kafka.bootstrapServers(), topics);
                Awaitility.await("hundreds of calls in flight").atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(20)).until(() -> service.inFlight() >= 200);
                int inFlightAtKill = service.inFlight();
                Set<String> answeringAtKill = service.inFlightKeys();
                instances.get(0).kill();
                instances.add(instance(kafka, config, 2));

                Map<String, Integer> resultsPerId = new HashMap<>();
                Map<JobStatus, Integer> statuses = new HashMap<>();
                List<String> failures = new ArrayList<>();
                CommittedResults.read(kafka.bootstrapServers(), topics, JOBS, Duration.ofMinutes(4)).forEach((id, each) -> {
                    resultsPerId.put(id, each.size());
                    each.forEach(result -> statuses.merge(result.getStatus(), 1, Integer::sum));
                    each.stream().filter(r -> r.getError() != null).limit(1).forEach(r -> failures.add(id + ": "
                            + r.getError().getErrorClass() + ": " + r.getError().getMessage()));
                });
                ResultCheck check = ResultCheck.of(submitted, resultsPerId);
                Map<String, Long> calls = service.keys().stream()
                        .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
                Map<String, Long> twice = new TreeMap<>(calls);
                twice.values().removeIf(n -> n < 2);
                System.out.printf("AsyncCrashIT: %d jobs, %d calls in flight at the kill, %s, %s; %d calls made more"
                        + " than once, e.g. %s%n", JOBS, inFlightAtKill, statuses, check, twice.size(),
                        twice.keySet().stream().limit(5).toList());
                assertThat(check.isClean()).as("%s", check).isTrue();
                assertThat(statuses).as("failed: %s", failures.stream().limit(5).toList())
                        .containsOnlyKeys(JobStatus.COMPLETED);
                assertThat(kafka.openTransactions()).as("transactions left open").isEmpty();
                assertThat(calls.keySet()).as("every job called, by its idempotency key")
                        .containsAll(submitted.stream().map(id -> id + "/call").toList());
                // a retry calls again too (the stage retries a failed call): the calls made again must include
                // some that were being answered when the instance was killed
                assertThat(twice.keySet()).as("the calls the killed instance had in flight, made again")
                        .containsAnyElementsOf(answeringAtKill);
            } finally {
                for (SluiceProcess instance : instances) {
                    instance.close();
                }
            }
        }
    }

    private SluiceProcess instance(KafkaCluster kafka, Path config, int n) throws Exception {
        Path home = dir.resolve("instance-" + n);
        return SluiceProcess.startWithTestClasses(home, Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS",
                kafka.bootstrapServers(), "SLUICE_KAFKA_STATE_DIR", home.resolve("state").toString()),
                "run", "--config", config.toString());
    }

    private static Set<String> produce(String bootstrap, SluiceTopics topics) throws Exception {
        Set<String> ids = new LinkedHashSet<>();
        try (KafkaProducer<String, Job> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                topics.jobs().keySerde().serializer(), topics.jobs().valueSerde().serializer())) {
            for (int i = 0; i < JOBS; i++) {
                Job job = Jobs.text("call-" + i, "doc-" + i, "document " + i);
                producer.send(new ProducerRecord<>(topics.jobs().name(), job.getJobId(), job));
                ids.add(job.getJobId());
            }
            producer.flush();
        }
        return ids;
    }
}
