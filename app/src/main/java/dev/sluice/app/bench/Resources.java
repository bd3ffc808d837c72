package dev.sluice.app.bench;

import dev.sluice.topology.internal.RocksDbMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What this JVM holds at one moment, for the soak: its resident set (Linux VmRSS), its heap in use
 * just after a full collection it asks for (what survives, not what waits to be collected) and the
 * heap the JVM has taken from the system, what RocksDB's shared cache holds (blocks and memtables),
 * its live threads, its open file descriptors, the bytes under its state directory, and the keys of
 * each persistent store (RocksDB's estimate, summed over the store's tasks and segments).
 *
 * @param heapCommittedBytes heap reserved from the system, part of the resident set once touched
 * @param rocksDbBytes what the stores' shared RocksDB cache holds ({@link RocksDbMemory#usage()}), -1 without one
 * @param stateBytes bytes of every file under the state directory
 * @param storeKeys estimated keys by store name
 */
record Resources(long rssBytes, long heapBytes, long heapCommittedBytes, long rocksDbBytes, int threads,
                 int openFiles, long stateBytes, Map<String, Long> storeKeys) {

    /** The metric tags that name a RocksDB store: key-value, window and session stores. */
    private static final List<String> STORE_TAGS = List.of("rocksdb-state-id", "rocksdb-window-state-id",
            "rocksdb-session-state-id");

    Resources {
        storeKeys = Map.copyOf(storeKeys);
    }

    /** Samples this JVM now; {@code stateRoot} is where its applications keep their state, run by {@code streams}. */
    static Resources now(Path stateRoot, List<KafkaStreams> streams) {
        System.gc();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return new Resources(currentRss(), heap.getUsed(), heap.getCommitted(), RocksDbMemory.usage(),
                countThreads(), countOpenFiles(), bytesUnder(stateRoot), storeKeys(streams));
    }

    /** Each RocksDB store's estimated keys (Kafka Streams' {@code estimate-num-keys}), summed over its tasks. */
    static Map<String, Long> storeKeys(List<KafkaStreams> streams) {
        Map<String, Long> keys = new TreeMap<>();
        for (KafkaStreams each : streams) {
            each.metrics().forEach((name, metric) -> {
                if (!name.name().equals("estimate-num-keys")) {
                    return;
                }
                for (String tag : STORE_TAGS) {
                    String store = name.tags().get(tag);
                    if (store != null && metric.metricValue() instanceof Number n) {
                        keys.merge(store, n.longValue(), Long::sum);
                    }
                }
            });
        }
        return keys;
    }

    /** The bytes of every file under {@code dir}; 0 when there is none. */
    static long bytesUnder(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(Resources::size).sum();
        } catch (IOException | UncheckedIOException e) {
            // a task's directory went while we walked it (a rebalance): the next sample counts again
            return 0;
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static long currentRss() {
        long kib = procStatusKib("VmRSS:");
        return kib < 0 ? -1 : kib * 1024;
    }

    /** A field of /proc/self/status in KiB ({@code VmRSS:}, {@code VmHWM:}), or -1 where there is none (not Linux). */
    static long procStatusKib(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    /**
     * The live threads but the JVM's attach listener, which a diagnostic tool (jcmd, jmap) starts once
     * it looks into the process: it says nothing of Sluice.
     */
    private static int countThreads() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int count = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && !ATTACH_LISTENER.equals(info.getThreadName())) {
                count++;
            }
        }
        return count;
    }

    private static final String ATTACH_LISTENER = "Attach Listener";

    private static int countOpenFiles() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * One line: {@code RSS HEAP HEAP_COMMITTED ROCKSDB THREADS FILES STATE_BYTES store=keys,...} ({@code -} for
     * no store).
     */
    String line() {
        List<String> each = new ArrayList<>();
        storeKeys.forEach((name, keys) -> each.add(name + "=" + keys));
        return rssBytes + " " + heapBytes + " " + heapCommittedBytes + " " + rocksDbBytes + " " + threads + " "
                + openFiles + " " + stateBytes + " " + (each.isEmpty() ? "-" : String.join(",", each));
    }

    /** The resources a {@link #line()} says. */
    static Resources parse(String line) {
        String[] words = line.trim().split(" ");
        Map<String, Long> stores = new TreeMap<>();
        if (!words[7].equals("-")) {
            for (String store : words[7].split(",")) {
                int eq = store.lastIndexOf('=');
                stores.put(store.substring(0, eq), Long.parseLong(store.substring(eq + 1)));
            }
        }
        return new Resources(Long.parseLong(words[0]), Long.parseLong(words[1]), Long.parseLong(words[2]),
                Long.parseLong(words[3]), Integer.parseInt(words[4]), Integer.parseInt(words[5]),
                Long.parseLong(words[6]), stores);
    }
}
