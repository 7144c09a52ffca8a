package dev.worldstore.bench;

import dev.worldstore.WorldStoreConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The RocksDB raw limit: a database opened with the projector's options (RocksProjection: LZ4,
 * 32 MiB write buffers x3, 4 KiB blocks, bloom filter, shared LRU block cache, 2 background jobs,
 * atomic flush, no write-ahead log), one column family of player states, written in WriteBatches
 * and read by point gets.
 */
final class RawRocks implements AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    private static final WorldStoreConfig DEFAULTS = WorldStoreConfig.defaults();

    private final LRUCache cache;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final WriteOptions writeOptions;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final RocksDB db;
    private final Workload workload;

    RawRocks(Path dir, Workload workload) throws Exception {
        this.workload = workload;
        Files.createDirectories(dir);
        cache = new LRUCache(DEFAULTS.getLong(WorldStoreConfig.ROCKSDB_BLOCK_CACHE_BYTES));
        dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                .setMaxBackgroundJobs(2).setBytesPerSync(1024 * 1024).setAtomicFlush(true);
        cfOptions = new ColumnFamilyOptions()
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setWriteBufferSize(32L * 1024 * 1024)
                .setMaxWriteBufferNumber(3)
                .setTableFormatConfig(new BlockBasedTableConfig()
                        .setBlockCache(cache)
                        .setBlockSize(4 * 1024)
                        .setFilterPolicy(new BloomFilter(10, false))
                        .setCacheIndexAndFilterBlocks(true)
                        .setPinL0FilterAndIndexBlocksInCache(true));
        writeOptions = new WriteOptions().setDisableWAL(true);
        db = RocksDB.open(dbOptions, dir.toString(), List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
                new ColumnFamilyDescriptor("player_states".getBytes(StandardCharsets.UTF_8), cfOptions)), handles);
    }

    private static byte[] key(int key) {
        return Workload.compositeKey(key).getBytes(StandardCharsets.UTF_8);
    }

    /** Puts into a WriteBatch written every {@link Options#ROCKS_BATCH} records, as the projector writes one batch per poll. */
    Writer batchWriter() {
        ColumnFamilyHandle states = handles.get(1);
        return new BatchingWriter(Options.ROCKS_BATCH) {
            private WriteBatch batch = new WriteBatch();

            @Override
            void add(int key, int variant) throws RocksDBException {
                batch.put(states, key(key), workload.bytes(variant));
            }

            @Override
            void commit() throws RocksDBException {
                try (WriteBatch full = batch) {
                    batch = new WriteBatch();
                    db.write(writeOptions, full);
                }
            }

            @Override
            public void close() {
                batch.close();
            }
        };
    }

    Reader.Source gets() {
        ColumnFamilyHandle states = handles.get(1);
        return () -> key -> {
            if (db.get(states, key(key)) == null) {
                throw new IllegalStateException("RocksDB has no value for key " + key);
            }
        };
    }

    @Override
    public void close() {
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        writeOptions.close();
        dbOptions.close();
        cfOptions.close();
        cache.close();
    }
}
