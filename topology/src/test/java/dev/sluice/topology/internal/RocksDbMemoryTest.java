package dev.sluice.topology.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class RocksDbMemoryTest {

    /** A size no other test uses, so that this test has the budget's cache to itself. */
    private static final long BUDGET = 4L * 1024 * 1024 + 4096;
    private static final int VALUE_BYTES = 1024;

    @TempDir
    Path dir;

    @Test
    void shouldKeepTheMemtablesAndBlocksOfManyStoresWithinOneBudget() throws Exception {
        RocksDbMemory setter = new RocksDbMemory();
        List<Options> options = new ArrayList<>();
        List<RocksDB> stores = new ArrayList<>();
        Random random = new Random(7);
        try {
            // three stores each written 16 MiB, which Kafka Streams' defaults would keep in memtables
            for (int s = 0; s < 3; s++) {
                Options each = new Options().setCreateIfMissing(true);
                each.setTableFormatConfig(new BlockBasedTableConfig());
                each.setWriteBufferSize(16L * 1024 * 1024);
                setter.setConfig("store-" + s, each, Map.of(RocksDbMemory.BUDGET_CONFIG, BUDGET));
                options.add(each);
                stores.add(RocksDB.open(each, dir.resolve("store-" + s).toString()));
            }
            byte[] value = new byte[VALUE_BYTES];
            long peak = 0;
            for (int i = 0; i < 16 * 1024; i++) {
                for (RocksDB store : stores) {
                    random.nextBytes(value);
                    store.put(key(i), value);
                }
                if (i % 1024 == 0) {
                    peak = Math.max(peak, RocksDbMemory.usage(BUDGET));
                }
            }
            for (RocksDB store : stores) {
                long memtables = Long.parseLong(store.getProperty("rocksdb.cur-size-all-mem-tables"));
                assertThat(memtables).as("one store's memtables").isLessThan(BUDGET);
            }
            assertThat(sstFiles()).as("memtables flushed early, to files").isPositive();
            // reading everything back goes through the shared block cache, which stays near its size
            for (int i = 0; i < 16 * 1024; i++) {
                for (RocksDB store : stores) {
                    assertThat(store.get(key(i))).hasSize(VALUE_BYTES);
                }
                if (i % 1024 == 0) {
                    peak = Math.max(peak, RocksDbMemory.usage(BUDGET));
                }
            }
            assertThat(peak).as("bytes held by the shared cache at most").isPositive()
                    .isLessThan(BUDGET + BUDGET / 4);
        } finally {
            for (int s = 0; s < stores.size(); s++) {
                stores.get(s).close();
                setter.close("store-" + s, options.get(s));
                options.get(s).close();
            }
        }
        assertThat(RocksDbMemory.usage(BUDGET)).as("the cache outlives the stores").isNotNegative();
    }

    @Test
    void shouldRequireAPositiveBudget() {
        try (Options options = new Options()) {
            options.setTableFormatConfig(new BlockBasedTableConfig());
            assertThatThrownBy(() -> new RocksDbMemory().setConfig("s", options, Map.of()))
                    .isInstanceOf(ConfigException.class).hasMessageContaining(RocksDbMemory.BUDGET_CONFIG);
            assertThatThrownBy(() -> new RocksDbMemory().setConfig("s", options,
                    Map.of(RocksDbMemory.BUDGET_CONFIG, 0L))).hasMessageContaining("must be positive");
        }
    }

    private static byte[] key(int i) {
        return String.format("key-%08d", i).getBytes();
    }

    /**
     * The table files of the three stores. Each store's directory is listed, not walked: a walk looks at
     * each file's attributes, and RocksDB deletes its write-ahead logs in the background meanwhile
     * (NoSuchFileException, seen in a fresh clone's run).
     */
    private long sstFiles() throws Exception {
        long count = 0;
        for (int s = 0; s < 3; s++) {
            try (Stream<Path> files = Files.list(dir.resolve("store-" + s))) {
                count += files.filter(f -> f.getFileName().toString().endsWith(".sst")).count();
            }
        }
        return count;
    }
}
