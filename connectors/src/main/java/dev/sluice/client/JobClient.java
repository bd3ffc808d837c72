package dev.sluice.client;

import dev.sluice.schemas.Control;
import dev.sluice.schemas.ControlType;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.JobEvent;
import dev.sluice.schemas.JobEvents;
import dev.sluice.schemas.JobResult;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.Result;
import dev.sluice.serdes.SchemaRegistryUnavailableException;
import dev.sluice.serdes.SluiceTopics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Submits jobs to {@code <prefix>.jobs} and hands back their results from {@code <prefix>.results}.
 * A job carries a payload of type {@code T}, the pipeline's input, and its result an output of type
 * {@code R}, the pipeline's output, each in the Confluent wire format of its own schema:
 * {@code JobClient.create(kafka, topics, PayloadType.of(Product.class), PayloadType.of(Enriched.class))}
 * makes a client whose {@code submit(product)} completes with a {@code Result<Enriched>}.
 *
 * <p>The client reads the results topic from its end as it was when the client was created, with
 * {@code isolation.level=read_committed}, on a thread of its own. A job submitted through the client
 * is watched from before it is sent, so its result cannot slip by between {@link #submit} and
 * {@link #await}: a result that arrives before anyone awaits it is kept (the latest
 * {@value #KEPT_RESULTS} of them) until it is. {@link #await} on a job submitted elsewhere sees
 * results that arrive after the client was created.
 *
 * <p>At most {@code maxInFlight} of its jobs are on their way at a time (sent, result not yet
 * come): {@link #submit} waits for room, up to {@code blockTimeout}, so a caller that submits faster
 * than the pipeline works is slowed to its pace rather than filling memory. A result that cannot be
 * read because the schema registry is away is read again once it answers, never skipped. A job's
 * future completes once, with the first result for it.
 *
 * <p>While the cluster is away a send waits for it: up to the producer's {@code max.block.ms} (a
 * minute by default) to find the jobs topic's leaders, then up to {@code delivery.timeout.ms} (two
 * minutes) for the acknowledgement. When either passes the job's futures fail with a
 * {@code TimeoutException} ("was not sent"), so a caller always learns what became of a job; give both
 * settings more than the outages to ride out and the job is written once the cluster is back.
 *
 * <p>Thread-safe. Close it to stop its thread; results still awaited then fail.
 */
public final class JobClient<T, R> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JobClient.class);

    private final SluiceTopics topics;
    private final KafkaProducer<String, byte[]> producer;
    private final Serializer<Job> jobs;
    private final Serializer<T> payloads;
    private final PayloadType<T> inputType;
    private final PayloadType<R> outputType;
    private final KafkaConsumer<String, Read<R>> consumer;
    /**
     * How many results of this client's jobs it keeps, by default, for a later {@link #await}: an
     * ingested document's result is tens of kilobytes, so 65,536 of them once filled a gigabyte of heap.
     */
    public static final int KEPT_RESULTS = 4_096;

    private final int keptResults;

    /** How many of its jobs a client has on their way at most, by default. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 1_000;
    /** How long {@link #submit} waits for room, by default. */
    public static final Duration DEFAULT_BLOCK_TIMEOUT = Duration.ofSeconds(60);

    private final int maxInFlight;
    private final Semaphore inFlight;
    private final Duration blockTimeout;

    /**
     * Each job whose result is awaited, and the future of each caller that awaits it: a caller that stops
     * waiting (a timeout, a cancel) takes its own out, and the job goes with its last one.
     */
    private final Map<String, List<CompletableFuture<Result<R>>>> waiting = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Result<R>>> arrived = Collections.synchronizedMap(
            new LinkedHashMap<>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<Result<R>>> eldest) {
                    return size() > keptResults;
                }
            });
    private final Thread reader;
    private volatile boolean closed;
    private final Map<String, Object> kafka;
    /** Who follows which job's events; see {@link #events}. */
    private final Map<String, List<Consumer<JobEvent>>> followers = new ConcurrentHashMap<>();
    /** Who follows every job's events; see {@link #events(java.util.function.Consumer)}. */
    private final List<Consumer<JobEvent>> everyJob = new CopyOnWriteArrayList<>();
    /** The thread that reads the events topic, started by the first {@link #events} call; null before. */
    private Thread eventsReader;
    private KafkaConsumer<String, JobEvents> eventsConsumer;

    private JobClient(Map<String, Object> kafka, SluiceTopics topics, PayloadType<T> input, PayloadType<R> output,
                      int keptResults, int maxInFlight, Duration blockTimeout) {
        if (keptResults < 0) {
            throw new IllegalArgumentException("kept results must be 0 or more, was " + keptResults);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("jobs in flight must be 1 or more, was " + maxInFlight);
        }
        this.kafka = Map.copyOf(kafka);
        this.keptResults = keptResults;
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
        this.blockTimeout = blockTimeout;
        this.topics = topics;
        Map<String, Object> producerConfig = new HashMap<>(kafka);
        producerConfig.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "sluice-job-client");
        this.jobs = topics.jobs().valueSerde().serializer();
        this.payloads = topics.payloadSerde(input).serializer();
        this.inputType = input;
        this.outputType = output;
        this.producer = new KafkaProducer<>(producerConfig, topics.jobs().keySerde().serializer(),
                new ByteArraySerializer());
        Map<String, Object> consumerConfig = new HashMap<>(kafka);
        consumerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "sluice-job-client-results");
        this.consumer = new KafkaConsumer<>(consumerConfig, topics.results().keySerde().deserializer(),
                new ResultReader<>(topics.results().valueSerde().deserializer(), output,
                        topics.payloadSerde(output).deserializer()));
        try {
            startAtEnd();
        } catch (RuntimeException e) {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
            producer.close(Duration.ZERO);
            throw e;
        }
        this.reader = new Thread(this::readResults, "sluice-job-client-results");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * A client of the given topics.
     *
     * @param kafka client settings: {@code bootstrap.servers} at least; producer and consumer settings
     *     pass through under their own names
     */
    public static JobClient<Object, Object> create(Map<String, Object> kafka, SluiceTopics topics) {
        return create(kafka, topics, KEPT_RESULTS);
    }

    /**
     * A client of the given topics whose jobs carry {@code input} and whose results carry {@code output}:
     * the pipeline's input and output types.
     */
    public static <T, R> JobClient<T, R> create(Map<String, Object> kafka, SluiceTopics topics, PayloadType<T> input,
                                                PayloadType<R> output) {
        return create(kafka, topics, input, output, KEPT_RESULTS, DEFAULT_MAX_IN_FLIGHT, DEFAULT_BLOCK_TIMEOUT);
    }

    /**
     * A typed client ({@link #create(Map, SluiceTopics, PayloadType, PayloadType)}) that keeps
     * {@code keptResults} results, with at most {@code maxInFlight} jobs on their way, whose
     * {@link #submit} waits up to {@code blockTimeout} for room.
     */
    public static <T, R> JobClient<T, R> create(Map<String, Object> kafka, SluiceTopics topics, PayloadType<T> input,
                                                PayloadType<R> output, int keptResults, int maxInFlight,
                                                Duration blockTimeout) {
        return new JobClient<>(kafka, topics, input, output, keptResults, maxInFlight, blockTimeout);
    }

    /**
     * A client that keeps the results of at most {@code keptResults} of its jobs for a later
     * {@link #result} or {@link #await} once they came ({@link #KEPT_RESULTS} by default). A caller that
     * only uses the futures {@link #submit} returns needs none kept: {@code 0}.
     */
    public static JobClient<Object, Object> create(Map<String, Object> kafka, SluiceTopics topics, int keptResults) {
        return create(kafka, topics, keptResults, DEFAULT_MAX_IN_FLIGHT, DEFAULT_BLOCK_TIMEOUT);
    }

    /**
     * A client with at most {@code maxInFlight} jobs on their way, whose {@link #submit} waits up to
     * {@code blockTimeout} for room.
     */
    public static JobClient<Object, Object> create(Map<String, Object> kafka, SluiceTopics topics, int keptResults,
                                                   int maxInFlight, Duration blockTimeout) {
        return create(kafka, topics, PayloadType.any(), PayloadType.any(), keptResults, maxInFlight, blockTimeout);
    }

    /** What this client's jobs carry: the pipeline's input type. */
    public PayloadType<T> input() {
        return inputType;
    }

    /** What this client's results carry: the pipeline's output type. */
    public PayloadType<R> output() {
        return outputType;
    }

    /**
     * A job with the given id carrying {@code payload}, submitted now, to set attributes, tasks, a
     * priority or a deadline on before {@link #submit(Job)}.
     */
    public Job job(String jobId, T payload) {
        return Jobs.withPayload(jobId, payloads.serialize(topics.jobs().name(), payload));
    }

    /** Sends a job with a fresh id carrying {@code payload}, and returns its result, when it comes; see {@link #submit(Job)}. */
    public CompletableFuture<Result<R>> submit(T payload) {
        return submit(UUID.randomUUID().toString(), payload);
    }

    /** Sends a job with the given id carrying {@code payload}, and returns its result, when it comes; see {@link #submit(Job)}. */
    public CompletableFuture<Result<R>> submit(String jobId, T payload) {
        Job job;
        try {
            job = job(jobId, payload);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("job " + jobId + " was not sent: "
                    + e.getMessage(), e));
        }
        return submit(job);
    }

    /**
     * A job handed to the client: {@code written} completes once the cluster has acknowledged the job on
     * {@code <prefix>.jobs} (or fails saying why it was not written: a {@link RecordTooLargeException}
     * for a job over the producer's {@code max.request.size}, or what the cluster answered), and
     * {@code result} once its result comes (failing too if it was not written).
     */
    public record Submission<R>(String jobId, CompletableFuture<RecordMetadata> written,
                                CompletableFuture<Result<R>> result) {
    }

    /**
     * Sends a job and returns its result, when it comes. While {@code maxInFlight} of this client's
     * jobs are on their way it first waits for one of them to end (backpressure), for up to the
     * client's block timeout. The future fails if the send fails, if there was no room in time, or if
     * the calling thread was interrupted while it waited.
     */
    public CompletableFuture<Result<R>> submit(Job job) {
        String id = Objects.requireNonNull(job.getJobId(), "jobId");
        try {
            if (!inFlight.tryAcquire(blockTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return CompletableFuture.failedFuture(new IllegalStateException("job " + id + " was not sent: "
                        + maxInFlight + " jobs of this client have had no result for " + blockTimeout.toSeconds()
                        + " s (is the pipeline running?)", new TimeoutException()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(new IllegalStateException("interrupted before job " + id
                    + " was sent", e));
        }
        return send(job).result();
    }

    /**
     * Sends a job if there is room now, without waiting: empty while {@code maxInFlight} of this client's
     * jobs are on their way. The caller rejects instead of blocking (an HTTP gateway answers 429), where
     * {@link #submit} blocks.
     */
    public Optional<Submission<R>> trySubmit(Job job) {
        Objects.requireNonNull(job.getJobId(), "jobId");
        return inFlight.tryAcquire() ? Optional.of(send(job)) : Optional.empty();
    }

    /** Sends a job, holding one of the in-flight permits, which its result gives back. */
    private Submission<R> send(Job job) {
        String id = job.getJobId();
        CompletableFuture<Result<R>> result = watch(id);
        result.whenComplete((r, e) -> inFlight.release());
        CompletableFuture<RecordMetadata> written = new CompletableFuture<>();
        byte[] value;
        try {
            value = jobs.serialize(topics.jobs().name(), job);
        } catch (RuntimeException e) {
            written.completeExceptionally(e);
            result.completeExceptionally(new IllegalStateException("job " + id + " was not sent: " + e.getMessage(), e));
            return new Submission<>(id, written, result);
        }
        producer.send(new ProducerRecord<>(topics.jobs().name(), id, value), (metadata, error) -> {
            if (error != null) {
                written.completeExceptionally(error);
                result.completeExceptionally(new IllegalStateException("job " + id + " was not sent: "
                        + error.getMessage(), error));
            } else {
                written.complete(metadata);
            }
        });
        return new Submission<>(id, written, result);
    }

    /** Submits each job in turn ({@link #submit}: waiting for room as it goes); their results, in order. */
    public List<CompletableFuture<Result<R>>> submitAll(Iterable<Job> jobs) {
        List<CompletableFuture<Result<R>>> results = new ArrayList<>();
        for (Job job : jobs) {
            results.add(submit(job));
        }
        return results;
    }

    /** How many of this client's jobs are on their way now: sent (or being sent), result not yet come. */
    public int inFlight() {
        return maxInFlight - inFlight.availablePermits();
    }

    /** Sends a job and waits until the broker has it. */
    public RecordMetadata submitAndAck(Job job) throws InterruptedException, ExecutionException {
        String id = Objects.requireNonNull(job.getJobId(), "jobId");
        watch(id);
        return producer.send(new ProducerRecord<>(topics.jobs().name(), id, jobs.serialize(topics.jobs().name(), job)))
                .get();
    }

    /**
     * Asks every instance of the pipeline to stop a job: writes a cancel command to
     * {@code <prefix>.control} and waits until the broker has it. The job ends CANCELLED at the next
     * stage it reaches, dropping its gathered parts; its result comes through {@link #result} as any
     * other. The cancel applies to a job with this id submitted before now: cancelling an unknown or
     * finished job changes nothing, and no result comes for it.
     */
    public RecordMetadata cancel(String jobId, String reason) throws InterruptedException, ExecutionException {
        Objects.requireNonNull(jobId, "jobId");
        watch(jobId);
        return command(ControlType.CANCEL, jobId, null, reason);
    }

    /**
     * Pauses the whole pipeline ({@code lane} null) or one lane on every instance, and on every
     * instance started later, until {@link #resume}: writes a command to {@code <prefix>.control}
     * and waits until the broker has it. Jobs wait in their topics meanwhile; none is lost.
     */
    public RecordMetadata pause(String lane, String reason) throws InterruptedException, ExecutionException {
        return command(ControlType.PAUSE, null, lane, reason);
    }

    /** Resumes what {@link #pause} paused. */
    public RecordMetadata resume(String lane, String reason) throws InterruptedException, ExecutionException {
        return command(ControlType.RESUME, null, lane, reason);
    }

    private RecordMetadata command(ControlType type, String jobId, String lane, String reason)
            throws InterruptedException, ExecutionException {
        String commandId = UUID.randomUUID().toString();
        Control command = Control.newBuilder().setCommandId(commandId)
                .setType(type).setJobId(jobId).setLane(lane).setIssuedAt(Instant.now()).setReason(reason)
                .build();
        String topic = topics.control().name();
        return producer.send(new ProducerRecord<>(topic, commandId,
                topics.control().valueSerde().serializer().serialize(topic, command))).get();
    }

    /**
     * The result of a job, when it comes. The future is the caller's own: cancel it to stop waiting, so
     * that the client forgets a job whose result is never coming.
     */
    public CompletableFuture<Result<R>> result(String jobId) {
        return watch(jobId);
    }

    /**
     * Waits for a job's result.
     *
     * @throws TimeoutException when no result came within {@code timeout}
     */
    public Result<R> await(String jobId, Duration timeout) throws InterruptedException, TimeoutException {
        CompletableFuture<Result<R>> result = watch(jobId);
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | InterruptedException e) {
            result.cancel(false);
            throw e;
        } catch (ExecutionException e) {
            throw new IllegalStateException("job " + jobId + " has no result: " + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * Hands each event of job {@code jobId} on {@code <prefix>.events} to {@code listener} as it comes
     * (ACCEPTED, each stage started and finished, the outputs of a stage that streams them, its end), from now
     * on, on the client's events thread:
     * follow a job before submitting it to see all of its events. The job's result comes from
     * {@link #result}. The first call starts the events thread, reading from the topic's end as it is
     * then, with {@code isolation.level=read_committed}: under exactly_once_v2 events come at the
     * pipeline's commits. A listener that throws is logged and kept.
     *
     * @return what stops the listener; closing it twice does nothing
     */
    public AutoCloseable events(String jobId, Consumer<JobEvent> listener) {
        if (closed) {
            throw new IllegalStateException("job client is closed");
        }
        // registered before the reader's start is fixed, so that no event after it slips by
        followers.computeIfAbsent(jobId, id -> new CopyOnWriteArrayList<>()).add(listener);
        startEventsReader();
        return () -> followers.computeIfPresent(jobId, (id, listeners) -> {
            listeners.remove(listener);
            return listeners.isEmpty() ? null : listeners;
        });
    }

    /**
     * Hands every job's events to {@code listener} as they come, from now on, as {@link #events(String,
     * java.util.function.Consumer)} does for one job: what a view of the latest jobs reads.
     *
     * @return what stops the listener; closing it twice does nothing
     */
    public AutoCloseable events(Consumer<JobEvent> listener) {
        if (closed) {
            throw new IllegalStateException("job client is closed");
        }
        everyJob.add(listener);
        startEventsReader();
        return () -> everyJob.remove(listener);
    }

    private synchronized void startEventsReader() {
        if (eventsReader != null) {
            return;
        }
        Map<String, Object> consumerConfig = new HashMap<>(kafka);
        consumerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, consumerConfig.getOrDefault(ConsumerConfig.CLIENT_ID_CONFIG,
                "sluice-job-client") + "-events");
        eventsConsumer = new KafkaConsumer<>(consumerConfig, topics.events().keySerde().deserializer(),
                topics.events().valueSerde().deserializer());
        startAtEnd(eventsConsumer, topics.events().name());
        eventsReader = new Thread(this::readEvents, "sluice-job-client-events");
        eventsReader.setDaemon(true);
        eventsReader.start();
    }

    private void readEvents() {
        try {
            while (!closed) {
                try {
                    for (ConsumerRecord<String, JobEvents> record : eventsConsumer.poll(Duration.ofMillis(200))) {
                        JobEvents events = record.value();
                        if (events == null) {
                            continue;
                        }
                        hand(events, followers.getOrDefault(events.getJobId(), List.of()));
                        hand(events, everyJob);
                    }
                } catch (RecordDeserializationException e) {
                    readAgainOrSkip(eventsConsumer, e, "event");
                }
            }
        } catch (WakeupException e) {
            if (!closed) {
                log.error("job client stopped reading events", e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("job client stopped reading events", e);
        } finally {
            eventsConsumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    private static void hand(JobEvents events, List<Consumer<JobEvent>> listeners) {
        for (Consumer<JobEvent> listener : listeners) {
            for (JobEvent event : events.getEvents()) {
                try {
                    listener.accept(event);
                } catch (RuntimeException e) {
                    log.warn("a listener of job {}'s events failed", event.getJobId(), e);
                }
            }
        }
    }

    /** Sends any buffered jobs now. */
    public void flush() {
        producer.flush();
    }

    private CompletableFuture<Result<R>> watch(String jobId) {
        if (closed) {
            throw new IllegalStateException("job client is closed");
        }
        CompletableFuture<Result<R>> done = arrived.get(jobId);
        if (done != null) {
            return done;
        }
        CompletableFuture<Result<R>> mine = new CompletableFuture<>();
        waiting.compute(jobId, (id, callers) -> {
            List<CompletableFuture<Result<R>>> list = callers == null ? new ArrayList<>(1) : callers;
            list.add(mine);
            return list;
        });
        // however it ends (its result, a cancel, a timeout, a failed send), it stops being awaited
        mine.whenComplete((result, error) -> waiting.computeIfPresent(jobId, (id, callers) -> {
            callers.remove(mine);
            return callers.isEmpty() ? null : callers;
        }));
        // the result may have arrived between the two look-ups
        done = arrived.get(jobId);
        if (done != null) {
            done.whenComplete((r, e) -> {
                if (e != null) {
                    mine.completeExceptionally(e);
                } else {
                    mine.complete(r);
                }
            });
        }
        return mine;
    }

    /** How many jobs this client awaits the result of: its own on their way, and those others await through it. */
    public int awaitedJobs() {
        return waiting.size();
    }

    private void startAtEnd() {
        startAtEnd(consumer, topics.results().name());
    }

    /** Assigns {@code consumer} every partition of {@code topic}, at their ends, fixed now. */
    private static void startAtEnd(KafkaConsumer<?, ?> consumer, String topic) {
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (partitions == null || partitions.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        List<TopicPartition> assigned = new ArrayList<>();
        for (PartitionInfo p : partitions) {
            assigned.add(new TopicPartition(p.topic(), p.partition()));
        }
        consumer.assign(assigned);
        consumer.seekToEnd(assigned);
        for (TopicPartition tp : assigned) {
            consumer.position(tp, Duration.ofSeconds(30)); // fix the start now, before any job is sent
        }
    }

    private void readResults() {
        try {
            while (!closed) {
                try {
                    for (ConsumerRecord<String, Read<R>> record : consumer.poll(Duration.ofMillis(200))) {
                        Read<R> read = record.value();
                        if (read == null) {
                            continue;
                        }
                        String jobId = read.record().getJobId();
                        if (waiting.containsKey(jobId)) {
                            // kept first: a caller that comes after the removal below finds it there
                            CompletableFuture<Result<R>> result = read.error() == null
                                    ? CompletableFuture.completedFuture(read.result())
                                    : CompletableFuture.failedFuture(new IllegalStateException("the result of job " + jobId
                                            + " cannot be read: " + read.error().getMessage(), read.error()));
                            arrived.putIfAbsent(jobId, result);
                            List<CompletableFuture<Result<R>>> callers = waiting.remove(jobId);
                            if (callers != null) {
                                List.copyOf(callers).forEach(caller -> result.whenComplete((r, e) -> {
                                    if (e != null) {
                                        caller.completeExceptionally(e);
                                    } else {
                                        caller.complete(r);
                                    }
                                }));
                            }
                        }
                    }
                } catch (RecordDeserializationException e) {
                    readAgainOrSkip(consumer, e, "result");
                }
            }
        } catch (WakeupException e) {
            if (!closed) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failAll(new IllegalStateException("job client's reader was interrupted", e));
        } catch (RuntimeException e) {
            log.error("job client stopped reading results", e);
            failAll(e);
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    /**
     * After a record of {@code consumer} could not be read: if its schema cannot be fetched now (the
     * registry is away), the record is fine, and is read again in a second; otherwise it is skipped.
     */
    private static void readAgainOrSkip(KafkaConsumer<?, ?> consumer, RecordDeserializationException e, String what)
            throws InterruptedException {
        if (SchemaRegistryUnavailableException.isCauseOf(e)) {
            log.warn("cannot read the {} at {} offset {} yet: {}; trying again in 1 s", what, e.topicPartition(),
                    e.offset(), e.getCause().getMessage());
            consumer.seek(e.topicPartition(), e.offset());
            Thread.sleep(1_000);
            return;
        }
        log.warn("skipping unreadable {} at {} offset {}: {}", what, e.topicPartition(), e.offset(), e.getMessage());
        consumer.seek(e.topicPartition(), e.offset() + 1);
    }

    private void failAll(Throwable cause) {
        // each list is taken out of the map before it is read: only a list in the map changes
        List<CompletableFuture<Result<R>>> callers = new ArrayList<>();
        for (String jobId : List.copyOf(waiting.keySet())) {
            List<CompletableFuture<Result<R>>> awaiting = waiting.remove(jobId);
            if (awaiting != null) {
                callers.addAll(awaiting);
            }
        }
        callers.forEach(caller -> caller.completeExceptionally(cause));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        producer.close(Duration.ofSeconds(10));
        consumer.wakeup();
        Thread events;
        synchronized (this) {
            events = eventsReader;
            if (events != null) {
                eventsConsumer.wakeup();
            }
        }
        try {
            reader.join(10_000);
            if (events != null) {
                events.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failAll(new IllegalStateException("job client closed"));
    }

    /** A result as read: the record, and its output read as the client's type, or why it could not be. */
    private record Read<R>(JobResult record, Result<R> result, RuntimeException error) {
    }

    /**
     * Reads a result and its output. A registry that does not answer fails the read, so that the record
     * is read again; an output that is not of the client's type is the job's answer: its future fails.
     */
    private static final class ResultReader<R> implements Deserializer<Read<R>> {
        private final Deserializer<JobResult> results;
        private final PayloadType<R> output;
        private final Deserializer<R> outputs;

        ResultReader(Deserializer<JobResult> results, PayloadType<R> output, Deserializer<R> outputs) {
            this.results = results;
            this.output = output;
            this.outputs = outputs;
        }

        @Override
        public Read<R> deserialize(String topic, byte[] data) {
            JobResult record = results.deserialize(topic, data);
            if (record == null) {
                return null;
            }
            try {
                return new Read<>(record, Result.of(record, output, outputs, topic), null);
            } catch (SerializationException e) {
                return new Read<>(record, null, e);
            }
        }
    }
}
