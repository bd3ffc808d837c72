package dev.sluice.app.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.app.CommittedResults;
import dev.sluice.app.KafkaCluster;
import dev.sluice.app.ResultCheck;
import dev.sluice.app.SluiceProcess;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobResult;
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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instances of {@code sluice run}, each in a JVM of its own, share 20,000 jobs of the ingest pipeline
 * while three of them are killed with SIGKILL one after the other (and started again each time),
 * while they scale from one to three and back to one, or while a broker of a three-broker cluster
 * (replication 3, min.insync.replicas 2) is stopped and started again twice. A read_committed consumer then finds, under
 * exactly_once_v2, exactly one result for every job and nothing else, and no transaction is left
 * open; under at_least_once the same check finds the duplicates that the replay after each kill
 * makes, which shows the check can fail.
 */
class CrashIT {

    private static final int JOBS = 20_000;
    private static final String PREFIX = "crash";
    /** Three instances throughout, one killed and started again after 4,000, 9,000 and 14,000 results. */
    private static final Plan KILLS = new Plan(JOBS, 1, 3, List.of(new Step(4_000, Action.KILL_AND_RESTART, 0),
            new Step(9_000, Action.KILL_AND_RESTART, 1), new Step(14_000, Action.KILL_AND_RESTART, 2)));

    /** What happens to an instance (or a broker) when the results reach a count. */
    private enum Action { KILL_AND_RESTART, START, STOP, STOP_BROKER, START_BROKER }

    /** {@code target}: the instance, from 0, or for a broker action the broker, from 1. */
    private record Step(int atResults, Action action, int target) {
    }

    /** How many jobs, how many brokers and instances start, and what happens to them during the run. */
    private record Plan(int jobs, int brokers, int instances, List<Step> steps) {
    }

    @TempDir
    Path dir;

    @Test
    void shouldEndEveryJobInExactlyOneResultWhileInstancesAreKilledUnderExactlyOnce() throws Exception {
        Run run = run("exactly_once_v2", KILLS);
        assertThat(run.check().isClean()).as("%s", run.check()).isTrue();
        assertThat(run.statuses()).containsOnlyKeys(JobStatus.COMPLETED);
        assertThat(run.openTransactions()).as("transactions left open").isEmpty();
    }

    @Test
    void shouldFindTheDuplicatesThatAtLeastOnceMakesWhenInstancesAreKilled() throws Exception {
        // half the jobs and kills at the same shares of them: enough to find the replays, in half the time
        Run run = run("at_least_once", new Plan(JOBS / 2, 1, 3, List.of(new Step(2_000, Action.KILL_AND_RESTART, 0),
                new Step(4_500, Action.KILL_AND_RESTART, 1), new Step(7_000, Action.KILL_AND_RESTART, 2))));
        assertThat(run.check().missing()).as("at_least_once loses nothing").isEmpty();
        assertThat(run.check().unexpected()).isEmpty();
        assertThat(run.check().duplicated()).as("the replays after a kill").isNotEmpty();
        assertThat(run.check().isClean()).isFalse();
    }

    @Test
    void shouldEndEveryJobInExactlyOneResultWhileTheInstancesScaleFromOneToThreeToOne() throws Exception {
        Run run = run("exactly_once_v2", new Plan(JOBS, 1, 1, List.of(new Step(3_000, Action.START, 1),
                new Step(3_000, Action.START, 2), new Step(11_000, Action.STOP, 1), new Step(11_000, Action.STOP, 2))));
        assertThat(run.check().isClean()).as("%s", run.check()).isTrue();
        assertThat(run.statuses()).containsOnlyKeys(JobStatus.COMPLETED);
        assertThat(run.openTransactions()).as("transactions left open").isEmpty();
    }

    @Test
    void shouldEndEveryJobInExactlyOneResultWhileABrokerOfThreeIsStoppedAndRestartedTwice() throws Exception {
        Run run = run("exactly_once_v2", new Plan(JOBS, 3, 2, List.of(new Step(3_000, Action.STOP_BROKER, 1),
                new Step(7_000, Action.START_BROKER, 1), new Step(11_000, Action.STOP_BROKER, 1),
                new Step(15_000, Action.START_BROKER, 1))));
        assertThat(run.check().isClean()).as("%s", run.check()).isTrue();
        assertThat(run.statuses()).containsOnlyKeys(JobStatus.COMPLETED);
        assertThat(run.openTransactions()).as("transactions left open").isEmpty();
    }

    /** What one run left: its results checked against the jobs, their statuses, and transactions still open. */
    private record Run(ResultCheck check, Map<JobStatus, Integer> statuses, List<String> openTransactions) {
    }

    private Run run(String guarantee, Plan plan) throws Exception {
        Path config = dir.resolve("pipeline.yaml");
        Files.writeString(config, """
                topics: {prefix: %s, partitions: 6}
                registry: {url: "mem://crash-it"}
                kafka:
                  processing.guarantee: %s
                  consumer.session.timeout.ms: 6000
                  consumer.heartbeat.interval.ms: 1500
                """.formatted(PREFIX, guarantee));
        long begun = System.nanoTime();
        try (KafkaCluster kafka = KafkaCluster.start(plan.brokers())) {
            List<SluiceProcess> instances = new ArrayList<>();
            int started = 0;
            try {
                for (int i = 0; i < plan.instances(); i++) {
                    instances.add(instance(kafka, config, started++));
                    // the first one creates the topics; the others join its group
                    instances.get(i).awaitLog("REBALANCING -> RUNNING", Duration.ofSeconds(120));
                }
                assertEveryTopicReplicated(kafka, Math.min(3, plan.brokers()));
                SluiceTopics topics = SluiceTopics.create(PREFIX, AvroSerdes.forUrl("mem://crash-it"));
                CommittedResults.knowSluiceSchemas("crash-it", topics);
                Set<String> submitted = produce(kafka.bootstrapServers(), topics, plan.jobs());

                Map<String, Integer> resultsPerId = new HashMap<>();
                Map<JobStatus, Integer> statuses = new HashMap<>();
                try (KafkaConsumer<String, JobResult> consumer = committedReader(kafka.bootstrapServers(), topics)) {
                    List<TopicPartition> partitions = consumer.assignment().stream().toList();
                    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
                    int done = 0;
                    while (resultsPerId.size() < plan.jobs() && System.nanoTime() < deadline) {
                        read(consumer, resultsPerId, statuses);
                        while (done < plan.steps().size() && resultsPerId.size() >= plan.steps().get(done).atResults()) {
                            Step step = plan.steps().get(done++);
                            switch (step.action()) {
                                case KILL_AND_RESTART -> {
                                    instances.get(step.target()).kill();
                                    instances.set(step.target(), instance(kafka, config, started++));
                                }
                                case START -> instances.add(step.target(), instance(kafka, config, started++));
                                case STOP -> {
                                    awaitEveryMemberWorking(kafka, instances.stream().filter(i -> i.process().isAlive())
                                            .count());
                                    instances.get(step.target()).close();
                                }
                                case STOP_BROKER -> kafka.stopBroker(step.target());
                                case START_BROKER -> kafka.startBroker(step.target());
                            }
                        }
                    }
                    assertThat(done).as("steps taken while jobs were still running").isEqualTo(plan.steps().size());
                    // on to the end of what is committed, where a late duplicate would be
                    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                    while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))
                            && System.nanoTime() < deadline) {
                        read(consumer, resultsPerId, statuses);
                    }
                }
                for (SluiceProcess instance : instances) {
                    instance.close();
                }
                Run run = new Run(ResultCheck.of(submitted, resultsPerId), statuses, kafka.openTransactions());
                System.out.printf("CrashIT %s: %d jobs, %s, %s in %d s: %s%n", guarantee, plan.jobs(), plan.steps(), statuses, Duration.ofNanos(System.nanoTime() - begun).toSeconds(), run.check());
                return run;
            } finally {
                for (SluiceProcess instance : instances) {
                    instance.close();
                }
            }
        }
    }

    /** Sluice's topics and the application's changelogs, each partition on {@code replicas} brokers. */
    private static void assertEveryTopicReplicated(KafkaCluster kafka, int replicas) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Set<String> names = admin.listTopics().names().get();
            assertThat(names).contains(PREFIX + ".jobs", PREFIX + ".results", PREFIX + ".dlq");
            admin.describeTopics(names).allTopicNames().get().values().forEach(topic -> assertThat(topic.partitions())
                    .as("replicas of %s", topic.name()).allSatisfy(p -> assertThat(p.replicas()).hasSize(replicas)));
        }
    }

    /**
     * Waits until the group has {@code members} members and each reads some of the jobs topic's
     * partitions, so that a scale-down takes work away from instances that really had it.
     */
    private static void awaitEveryMemberWorking(KafkaCluster kafka, long members) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            String group = PREFIX + "-ingest";
            Awaitility.await(members + " members of " + group + " each with a partition of the jobs")
                    .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                        var description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                        return description.members().size() == members && description.members().stream()
                                .allMatch(m -> m.assignment().topicPartitions().stream()
                                        .anyMatch(tp -> tp.topic().equals(PREFIX + ".jobs")));
                    });
        }
    }

    private SluiceProcess instance(KafkaCluster kafka, Path config, int n) throws Exception {
        Path home = dir.resolve("instance-" + n);
        return SluiceProcess.start(home, Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SLUICE_KAFKA_STATE_DIR", home.resolve("state").toString()), "run", "--config", config.toString());
    }

    private static Set<String> produce(String bootstrap, SluiceTopics topics, int jobs) throws Exception {
        Set<String> ids = new LinkedHashSet<>();
        try (KafkaProducer<String, Job> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                topics.jobs().keySerde().serializer(), topics.jobs().valueSerde().serializer())) {
            for (int i = 0; i < jobs; i++) {
                Job job = Jobs.text("crash-" + i, "doc-" + i, "Document " + i + " says a few things about Kafka."
                        + " It is long enough to be split in two chunks by the pipeline.".repeat(2));
                producer.send(new ProducerRecord<>(topics.jobs().name(), job.getJobId(), job));
                ids.add(job.getJobId());
            }
            producer.flush();
        }
        return ids;
    }

    private static KafkaConsumer<String, JobResult> committedReader(String bootstrap, SluiceTopics topics) {
        KafkaConsumer<String, JobResult> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                topics.results().keySerde().deserializer(), topics.results().valueSerde().deserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topics.results().name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    private static void read(KafkaConsumer<String, JobResult> consumer, Map<String, Integer> resultsPerId,
                             Map<JobStatus, Integer> statuses) {
        for (ConsumerRecord<String, JobResult> record : consumer.poll(Duration.ofMillis(200))) {
            resultsPerId.merge(record.value().getJobId(), 1, Integer::sum);
            statuses.merge(record.value().getStatus(), 1, Integer::sum);
        }
    }
}
