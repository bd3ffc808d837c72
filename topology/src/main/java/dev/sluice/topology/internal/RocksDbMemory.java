package dev.sluice.topology.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * One budget of off-heap memory for every RocksDB store of this process, set as Kafka Streams'
 * {@code rocksdb.config.setter}.
 *
 * <p>Left alone, Kafka Streams gives each RocksDB instance a block cache of its own (50 MiB) and up
 * to three memtables of 16 MiB: the ingest graph has seven persistent stores per partition and a
 * window store has several instances (segments) each, so an instance's native memory has no bound
 * that anyone would choose, and a long run's resident set creeps towards it as the caches fill. Here
 * every store of every Kafka Streams application in the process (the main segment and the lanes')
 * shares one LRU block cache of the budget's size, and its memtables are charged to that cache
 * through one write-buffer manager holding half of it, so that blocks, index and filter blocks and
 * memtables together stay near the budget. Each store's memtable is at most a sixteenth of the budget
 * (4 MiB of the default 64 MiB, against Kafka Streams' 16 MiB), and all of them together are flushed
 * when they outgrow their half: smaller files, merged by compaction as before.
 *
 * <p>The budget reaches each store through Kafka Streams' application configs under
 * {@link #BUDGET_CONFIG}; budgets of the same size share one cache, which lives as long as the process
 * (a store's {@link #close} leaves it to the others).
 */
public final class RocksDbMemory implements RocksDBConfigSetter {

    /** The application config that carries the budget, in bytes (set by SluiceConfig, not by users). */
    public static final String BUDGET_CONFIG = "sluice.rocksdb.memory.max.bytes";

    /** The share of the cache that index and filter blocks may keep ahead of data blocks. */
    private static final double HIGH_PRIORITY_RATIO = 0.1;

    /** A store's memtable is at most this fraction of the budget (Kafka Streams' 16 MiB when that is less). */
    private static final int MEMTABLE_SHARE = 16;

    private static final ConcurrentMap<Long, Budget> BUDGETS = new ConcurrentHashMap<>();

    /** A cache and the write-buffer manager that charges memtables to it. */
    private record Budget(long bytes, Cache cache, WriteBufferManager writeBuffers) {

        static Budget of(long bytes) {
            LRUCache cache = new LRUCache(bytes, -1, false, HIGH_PRIORITY_RATIO);
            return new Budget(bytes, cache, new WriteBufferManager(bytes / 2, cache));
        }
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Budget budget = BUDGETS.computeIfAbsent(budget(configs), Budget::of);
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(budget.cache());
        // index and filter blocks count against the budget too, kept ahead of data blocks
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(budget.writeBuffers());
        // a memtable takes memory in arena blocks of an eighth of its size, and each store holds at least
        // one block once written: memtables a sixteenth of the budget keep a few dozen stores' floor low
        options.setWriteBufferSize(Math.min(options.writeBufferSize(), budget.bytes() / MEMTABLE_SHARE));
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the write-buffer manager are the process's, shared by the stores still open
    }

    /**
     * The bytes the shared caches of this process hold now (blocks and the memtables charged to
     * them), or -1 when no store has used one.
     */
    public static long usage() {
        if (BUDGETS.isEmpty()) {
            return -1;
        }
        return BUDGETS.values().stream().mapToLong(b -> b.cache().getUsage()).sum();
    }

    /** The bytes the cache of the budget of {@code bytes} holds now, or -1 when there is none. */
    static long usage(long bytes) {
        Budget budget = BUDGETS.get(bytes);
        return budget == null ? -1 : budget.cache().getUsage();
    }

    private static long budget(Map<String, Object> configs) {
        Object value = configs.get(BUDGET_CONFIG);
        if (value == null) {
            throw new ConfigException(BUDGET_CONFIG, null, "is required by " + RocksDbMemory.class.getName());
        }
        long bytes = Long.parseLong(value.toString());
        if (bytes <= 0) {
            throw new ConfigException(BUDGET_CONFIG, value, "must be positive");
        }
        return bytes;
    }
}
