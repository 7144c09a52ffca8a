package dev.worldstore.bench;

import dev.worldstore.WorldStoreConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 * The RocksDB raw limit of the projector: a database opened with the projector's options
 * (RocksProjection, kept in step by hand: LZ4 below L0, 32 MiB write buffers x3, 4 KiB blocks, shared LRU
 * block cache, 2 background jobs, atomic flush, no write-ahead log; Bloom filters on the state
 * families; the history family's values in blob files; lastSeen under the "max" merge operator),
 * written with exactly the writes the projector makes for one save of a player state: the state
 * value put, its history entry put (the same JSON, one op byte more, under a key that ends with the
 * version) and the player's lastSeen merged, {@link Options#ROCKS_BATCH} events per WriteBatch, as
 * the projector writes one batch per poll. Values are built once per payload variant, so the row
 * measures RocksDB, not the building of values. As in the projector's catch-up of a long log,
 * compactions wait until the writing is done. Loads are point gets of the state family.
 */
final class RawRocks implements AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    private static final WorldStoreConfig DEFAULTS = WorldStoreConfig.defaults();
    private static final String ORIGIN = "bench-node";

    private final LRUCache cache;
    private final DBOptions dbOptions;
    private final List<ColumnFamilyOptions> cfOptions = new ArrayList<>();
    private final WriteOptions writeOptions;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final RocksDB db;
    private final byte[][] states = new byte[Workload.VARIANTS][];
    private final byte[][] histories = new byte[Workload.VARIANTS][];

    RawRocks(Path dir, Workload workload) throws Exception {
        Files.createDirectories(dir);
        cache = new LRUCache(DEFAULTS.getLong(WorldStoreConfig.ROCKSDB_BLOCK_CACHE_BYTES));
        dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                .setMaxBackgroundJobs(2).setBytesPerSync(1024 * 1024).setAtomicFlush(true);
        ColumnFamilyOptions state = options(true);
        ColumnFamilyOptions history = options(false).setEnableBlobFiles(true).setMinBlobSize(256)
                .setBlobCompressionType(CompressionType.LZ4_COMPRESSION).setEnableBlobGarbageCollection(true);
        ColumnFamilyOptions lastSeen = options(true).setMergeOperatorName("max");
        writeOptions = new WriteOptions().setDisableWAL(true);
        db = RocksDB.open(dbOptions, dir.toString(), List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, options(true)),
                new ColumnFamilyDescriptor("player_states".getBytes(StandardCharsets.UTF_8), state),
                new ColumnFamilyDescriptor("history".getBytes(StandardCharsets.UTF_8), history),
                new ColumnFamilyDescriptor("last_seen".getBytes(StandardCharsets.UTF_8), lastSeen)), handles);
        for (int v = 0; v < Workload.VARIANTS; v++) {
            states[v] = stored(workload.bytes(v));
            histories[v] = new byte[states[v].length + 1];
            System.arraycopy(states[v], 0, histories[v], 1, states[v].length);
        }
    }

    private ColumnFamilyOptions options(boolean bloom) {
        BlockBasedTableConfig table = new BlockBasedTableConfig().setBlockCache(cache).setBlockSize(4 * 1024)
                .setCacheIndexAndFilterBlocks(true).setPinL0FilterAndIndexBlocksInCache(true);
        if (bloom) {
            table.setFilterPolicy(new BloomFilter(10, false));
        }
        ColumnFamilyOptions o = new ColumnFamilyOptions().setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setCompressionPerLevel(List.of(CompressionType.NO_COMPRESSION, CompressionType.LZ4_COMPRESSION))
                .setWriteBufferSize(32L * 1024 * 1024).setMaxWriteBufferNumber(3).setTableFormatConfig(table);
        cfOptions.add(o);
        return o;
    }

    /** The projector's stored layout (magic, version, time, format, origin, no actor) around {@code json}. */
    private static byte[] stored(byte[] json) {
        byte[] origin = ORIGIN.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 8 + 8 + 4 + 2 + origin.length + 2 + json.length).put((byte) 1).putLong(1).putLong(1)
                .putInt(1).putShort((short) origin.length).put(origin).putShort((short) -1).put(json).array();
    }

    /** The projector's key of player {@code key}'s state: world 0x00 player. */
    private static byte[] stateKey(int key) {
        return (Workload.worldId(key) + '\0' + Workload.playerId(key)).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] historyKey(byte[] stateKey, long version) {
        return ByteBuffer.allocate(1 + stateKey.length + 1 + 8).put((byte) 1).put(stateKey).put((byte) 0).putLong(version).array();
    }

    /**
     * The projector's writes of one event per save ({@link Writer#write}: state put, history put,
     * lastSeen merge) into a WriteBatch written every {@link Options#ROCKS_BATCH} events, each
     * family's writes in key order as the projector hands a poll's writes to RocksDB (its memtable
     * inserts keys that arrive in order fastest; stable sort, so a key's writes keep their order).
     */
    Writer batchWriter() {
        ColumnFamilyHandle stateCf = handles.get(1);
        ColumnFamilyHandle historyCf = handles.get(2);
        ColumnFamilyHandle lastSeenCf = handles.get(3);
        setAutoCompactions(false);
        return new BatchingWriter(Options.ROCKS_BATCH) {
            private final List<byte[][]> stateWrites = new ArrayList<>();
            private final List<byte[][]> historyWrites = new ArrayList<>();
            private final List<byte[][]> lastSeenWrites = new ArrayList<>();
            private long version;

            @Override
            void add(int key, int variant) {
                byte[] k = stateKey(key);
                stateWrites.add(new byte[][] {k, states[variant]});
                historyWrites.add(new byte[][] {historyKey(k, ++version), histories[variant]});
                lastSeenWrites.add(new byte[][] {Workload.playerId(key).getBytes(StandardCharsets.UTF_8),
                    ByteBuffer.allocate(8).putLong(version).array()});
            }

            @Override
            void commit() throws RocksDBException {
                try (WriteBatch batch = new WriteBatch()) {
                    for (byte[][] w : inKeyOrder(stateWrites)) {
                        batch.put(stateCf, w[0], w[1]);
                    }
                    for (byte[][] w : inKeyOrder(historyWrites)) {
                        batch.put(historyCf, w[0], w[1]);
                    }
                    for (byte[][] w : inKeyOrder(lastSeenWrites)) {
                        batch.merge(lastSeenCf, w[0], w[1]);
                    }
                    db.write(writeOptions, batch);
                }
                stateWrites.clear();
                historyWrites.clear();
                lastSeenWrites.clear();
            }

            private List<byte[][]> inKeyOrder(List<byte[][]> writes) {
                writes.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
                return writes;
            }

            @Override
            public void close() {
                setAutoCompactions(true);
            }
        };
    }

    /** As the projector in a catch-up of more than 50,000 events: no compactions while writing, resumed after. */
    private void setAutoCompactions(boolean on) {
        try {
            for (ColumnFamilyHandle h : handles) {
                db.setOptions(h, org.rocksdb.MutableColumnFamilyOptions.builder().setDisableAutoCompactions(!on).build());
            }
        } catch (RocksDBException e) {
            throw new IllegalStateException("RocksDB setOptions failed: " + e.getMessage(), e);
        }
    }

    Reader.Source gets() {
        ColumnFamilyHandle stateCf = handles.get(1);
        return () -> key -> {
            if (db.get(stateCf, stateKey(key)) == null) {
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
        cfOptions.forEach(ColumnFamilyOptions::close);
        cache.close();
    }
}
