package dev.sluice.connectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.client.InvalidJsonException;
import dev.sluice.client.JobJson;
import dev.sluice.schemas.Document;
import dev.sluice.schemas.Job;
import dev.sluice.schemas.Jobs;
import dev.sluice.serdes.AvroSerdes;
import dev.sluice.serdes.PayloadType;
import dev.sluice.serdes.SluiceTopics;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the files of {@link DirectorySourceConnector}'s directory that hash to this task, in the order
 * of their paths, and hands the worker one job per file (per line of a JSON-lines file). A file's
 * source partition is {@code {directory, file}} and its offset {@code {line}}: the lines taken so far
 * (1 for a whole file). What cannot become a job (a JSON line that is not a valid job, a file that is not
 * UTF-8 text, one over {@code file.max.bytes}) goes to {@code <prefix>.dlq} with the file, the line and
 * why in its headers, the convention of Sluice's own dead letters.
 */
public final class DirectorySourceTask extends SourceTask {

    private static final Logger log = LoggerFactory.getLogger(DirectorySourceTask.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String DIRECTORY = "directory";
    static final String FILE = "file";
    static final String LINE = "line";
    /** The stage a dead letter of this source names. */
    static final String STAGE = "directory-source";

    private DirectorySourceConfig config;
    /** The extensions taken, lower case: looked at for every file of every scan. */
    private List<String> extensions;
    private Path root;
    private String directory;
    private int index;
    private int count;
    private String jobsTopic;
    private String deadLetterTopic;
    private Serializer<Job> serializer;
    /** Writes a job's Document payload under the jobs topic's payload subject. */
    private Serializer<Object> documents;
    /** Lines taken from each file seen, from the stored offsets or since. */
    private final Map<String, Long> taken = new HashMap<>();
    /** The files read to their end. */
    private final Set<String> finished = new HashSet<>();
    private final Deque<String> queue = new ArrayDeque<>();
    private final Set<String> queued = new HashSet<>();
    /** The JSON-lines file being read, or null. */
    private Reading reading;
    private long nextScan;
    private final CountDownLatch stopping = new CountDownLatch(1);

    /** A JSON-lines file open at a line. */
    private record Reading(String file, BufferedReader lines, long[] line) {
    }

    @Override
    public String version() {
        return Versions.SLUICE;
    }

    @Override
    public void start(Map<String, String> props) {
        config = new DirectorySourceConfig(props);
        extensions = config.extensions();
        root = config.directory().toAbsolutePath().normalize();
        directory = root.toString();
        index = Integer.parseInt(props.getOrDefault(DirectorySourceConnector.TASK_INDEX, "0"));
        count = Integer.parseInt(props.getOrDefault(DirectorySourceConnector.TASK_COUNT, "1"));
        SluiceTopics topics = SluiceTopics.create(config.topicsPrefix(), AvroSerdes.forUrl(config.registryUrl()));
        jobsTopic = topics.jobs().name();
        deadLetterTopic = topics.deadLetters().name();
        serializer = topics.jobs().valueSerde().serializer();
        documents = topics.payloadSerde(PayloadType.any()).serializer();
        log.info("reading {} (task {} of {}) into {}", root, index + 1, count, jobsTopic);
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        if (reading == null && queue.isEmpty()) {
            long wait = nextScan - System.currentTimeMillis();
            if (wait > 0) {
                stopping.await(Math.min(wait, 1_000), TimeUnit.MILLISECONDS);
                return null;
            }
            scan();
            nextScan = System.currentTimeMillis() + config.pollIntervalMs();
        }
        List<SourceRecord> records = new ArrayList<>();
        while (records.size() < config.batchSize() && stopping.getCount() > 0) {
            if (reading != null) {
                readLines(records);
            } else if (!queue.isEmpty()) {
                String file = queue.poll();
                queued.remove(file);
                take(file, records);
            } else {
                break;
            }
        }
        if (stopping.getCount() == 0) {
            closeReading();
        }
        return records.isEmpty() ? null : records;
    }

    @Override
    public void stop() {
        stopping.countDown();
    }

    /** Queues this task's files that are new or unfinished, in the order of their paths. */
    private void scan() {
        List<String> found;
        try (Stream<Path> walk = Files.walk(root)) {
            found = walk.filter(Files::isRegularFile).map(path -> root.relativize(path))
                    .filter(this::wanted).map(DirectorySourceTask::name)
                    .filter(name -> Math.floorMod(name.hashCode(), count) == index)
                    .filter(name -> !finished.contains(name) && !queued.contains(name)
                            && (reading == null || !reading.file().equals(name)))
                    .sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            throw new ConnectException("cannot list " + root + ": " + e.getMessage(), e);
        }
        List<Map<String, String>> unseen = found.stream().filter(name -> !taken.containsKey(name))
                .map(this::partition).toList();
        if (!unseen.isEmpty()) {
            Map<Map<String, String>, Map<String, Object>> stored = context.offsetStorageReader().offsets(unseen);
            for (Map<String, String> partition : unseen) {
                Map<String, Object> offset = stored.get(partition);
                Object line = offset == null ? null : offset.get(LINE);
                taken.put(partition.get(FILE), line instanceof Number n ? n.longValue() : 0L);
            }
        }
        for (String name : found) {
            queue.add(name);
            queued.add(name);
        }
    }

    private boolean wanted(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return false;
            }
        }
        return extensions.contains(extension(relative.getFileName().toString()));
    }

    private static String extension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot < 0 ? "" : fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static String name(Path relative) {
        return relative.toString().replace(File.separatorChar, '/');
    }

    private Map<String, String> partition(String file) {
        return Map.of(DIRECTORY, directory, FILE, file);
    }

    private static Map<String, Long> offset(long line) {
        return Map.of(LINE, line);
    }

    /** Takes a whole file as one job, or opens a JSON-lines file at the first line not taken. */
    private void take(String file, List<SourceRecord> records) {
        long done = taken.getOrDefault(file, 0L);
        Path path = root.resolve(file);
        if (DirectorySourceConfig.JSON_LINES.contains(extension(file))) {
            try {
                BufferedReader lines = new BufferedReader(new InputStreamReader(Files.newInputStream(path),
                        StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                                .onUnmappableCharacter(CodingErrorAction.REPLACE)));
                for (long skipped = 0; skipped < done; skipped++) {
                    if (lines.readLine() == null) {
                        break;
                    }
                }
                reading = new Reading(file, lines, new long[] {done});
            } catch (IOException e) {
                log.warn("cannot read {}, passed over until the next look: {}", path, e.toString());
            }
            return;
        }
        if (done > 0) {
            finished.add(file);
            return;
        }
        try {
            long size = Files.size(path);
            if (size > config.maxFileBytes()) {
                records.add(deadLetter(file, 1, null, "FileTooLarge", file + " is " + size + " bytes, over "
                        + DirectorySourceConfig.MAX_FILE_BYTES_CONFIG + " (" + config.maxFileBytes() + ")"));
            } else {
                byte[] bytes;
                try (InputStream in = Files.newInputStream(path)) {
                    bytes = in.readNBytes(config.maxFileBytes() + 1);
                }
                String text;
                try {
                    text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
                } catch (CharacterCodingException e) {
                    records.add(deadLetter(file, 1, bytes, "NotUtf8Text", file + " is not UTF-8 text"));
                    text = null;
                }
                if (text != null) {
                    records.add(job(file, 1, fileJob(file, path, text)));
                }
            }
            taken.put(file, 1L);
            finished.add(file);
        } catch (NoSuchFileException e) {
            log.info("{} went away before it was read", path);
        } catch (IOException e) {
            log.warn("cannot read {}, passed over until the next look: {}", path, e.toString());
        }
    }

    private Job fileJob(String file, Path path, String text) {
        String contentType = switch (extension(file)) {
            case "md", "markdown" -> "text/markdown";
            default -> "text/plain";
        };
        Document document = Document.newBuilder().setId(file).setSourceUri(path.toUri().toString())
                .setContentType(contentType).setText(text).build();
        Job job = payloadJob(file, document);
        job.getAttributes().put("source.file", file);
        return job;
    }

    /** A job {@code jobId} carrying {@code payload} (a Document), in the wire format of its own schema. */
    private Job payloadJob(String jobId, Object payload) {
        return Jobs.withPayload(jobId, documents.serialize(jobsTopic, payload));
    }

    /** Takes the open JSON-lines file's next lines, up to the batch's size; closes it at its end. */
    private void readLines(List<SourceRecord> records) {
        Reading r = reading;
        try {
            while (records.size() < config.batchSize()) {
                String text = r.lines().readLine();
                if (text == null) {
                    r.lines().close();
                    reading = null;
                    finished.add(r.file());
                    return;
                }
                long line = ++r.line()[0];
                taken.put(r.file(), line);
                if (text.isBlank()) {
                    continue;
                }
                records.add(lineRecord(r.file(), line, text));
            }
        } catch (IOException e) {
            log.warn("cannot read {} after line {}, passed over until the next look: {}", r.file(), r.line()[0],
                    e.toString());
            closeReading();
        }
    }

    private SourceRecord lineRecord(String file, long line, String text) {
        byte[] raw = text.getBytes(StandardCharsets.UTF_8);
        String where = file + ":" + line;
        if (raw.length > config.maxFileBytes()) {
            return deadLetter(file, line, null, "LineTooLarge", where + " is " + raw.length + " bytes, over "
                    + DirectorySourceConfig.MAX_FILE_BYTES_CONFIG + " (" + config.maxFileBytes() + ")");
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return deadLetter(file, line, raw, "InvalidJob", where + " is not JSON: " + e.getOriginalMessage());
        }
        try {
            Job job = JobJson.parse(tree, where, Document.getClassSchema(), this::payloadJob);
            job.getAttributes().putIfAbsent("source.file", file);
            job.getAttributes().putIfAbsent("source.line", Long.toString(line));
            return job(file, line, job);
        } catch (InvalidJsonException e) {
            return deadLetter(file, line, raw, "InvalidJob", where + ": " + e.getMessage());
        }
    }

    private SourceRecord job(String file, long line, Job job) {
        byte[] value = serializer.serialize(jobsTopic, job);
        return new SourceRecord(partition(file), offset(line), jobsTopic, null, Schema.STRING_SCHEMA, job.getJobId(),
                Schema.BYTES_SCHEMA, value);
    }

    /** A dead letter: the raw bytes (null when too large to carry) and, in its headers, where from and why. */
    private SourceRecord deadLetter(String file, long line, byte[] raw, String errorClass, String message) {
        log.warn("{} goes to {}: {}", file + ":" + line, deadLetterTopic, message);
        ConnectHeaders headers = new ConnectHeaders();
        headers.addString("__streams.errors.exception", errorClass);
        headers.addString("__streams.errors.message", message);
        headers.addString("sluice.error.stage", STAGE);
        headers.addString("sluice.source.file", root.resolve(file).toString());
        headers.addString("sluice.source.line", Long.toString(line));
        return new SourceRecord(partition(file), offset(line), deadLetterTopic, null, Schema.STRING_SCHEMA,
                file + ":" + line, Schema.OPTIONAL_BYTES_SCHEMA, raw, null, headers);
    }

    private void closeReading() {
        if (reading != null) {
            try {
                reading.lines().close();
            } catch (IOException e) {
                log.debug("closing {}", reading.file(), e);
            }
            reading = null;
        }
    }
}
