package dev.worldstore.projector;

import dev.worldstore.StorageException;
import dev.worldstore.NodeOperations;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The projection: one RocksDB with a column family per logical table plus bookkeeping families.
 * Every {@link #write} is one atomic batch, which is how state and consumed offsets stay together.
 * {@link RocksDBException}s are translated here into {@link StorageException}s naming the store.
 *
 * <p>Thread-safe (RocksDB is); {@link #close()} is idempotent and must come after the projector
 * thread and every reader have stopped using it.
 */
final class RocksProjection implements StateView, EventClock.Index, AutoCloseable {

    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final RocksDB db;
    private final DBOptions dbOptions;
    private final List<ColumnFamilyOptions> cfOptions = new ArrayList<>();
    private final LRUCache cache;
    private final EnumMap<Cf, ColumnFamilyHandle> handles = new EnumMap<>(Cf.class);
    private final WriteOptions writeOptions;
    /** History values at least this large live in blob files; smaller ones (deletes, small patches) stay inline. */
    static final long HISTORY_MIN_BLOB_BYTES = 256;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Entries in {@link Cf#DEAD_LETTERS}: counted at open, then added to as the applier writes them. */
    private final AtomicLong deadLetters = new AtomicLong();
    private final BulkLoad bulkLoad;

    private RocksProjection(Path dir, ProjectionSettings settings) throws RocksDBException {
        this.dir = dir;
        BackgroundPriority.lowerIf(settings.lowBackgroundPriority());
        this.cache = new LRUCache(settings.blockCacheBytes());
        CompressionType compression = switch (settings.compression()) {
            case "none" -> CompressionType.NO_COMPRESSION;
            case "zstd" -> CompressionType.ZSTD_COMPRESSION;
            default -> CompressionType.LZ4_COMPRESSION;
        };
        this.dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setMaxBackgroundJobs(2)
                .setBytesPerSync(1024 * 1024)
                // All column families flush together, so what is on disk is always a prefix of whole
                // batches: see the write options below.
                .setAtomicFlush(true);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (Cf cf : Cf.values()) {
            BlockBasedTableConfig table = new BlockBasedTableConfig()
                    .setBlockCache(cache)
                    .setBlockSize(4 * 1024)
                    .setCacheIndexAndFilterBlocks(true)
                    .setPinL0FilterAndIndexBlocksInCache(true);
            if (cf != Cf.HISTORY) {
                // whole-key Bloom filters serve point gets; the history is only ever iterated
                table.setFilterPolicy(new BloomFilter(10, false));
            }
            ColumnFamilyOptions o = new ColumnFamilyOptions()
                    .setCompressionType(compression)
                    // L0 files (flushed memtables) are uncompressed: the first compaction compresses
                    // them, so a value is compressed once, not at flush and again at that compaction
                    .setCompressionPerLevel(List.of(CompressionType.NO_COMPRESSION, compression))
                    .setWriteBufferSize(32L * 1024 * 1024)
                    .setMaxWriteBufferNumber(3)
                    .setTableFormatConfig(table);
            if (cf == Cf.HISTORY) {
                // History grows by a copy of every value and is read rarely: its values go to blob
                // files as memtables flush, and compactions move only keys and blob references.
                // Blob GC copies the oldest files' live values in every compaction touching them;
                // unpruned history is never overwritten, so GC only when pruning makes garbage.
                o.setEnableBlobFiles(true)
                        .setMinBlobSize(HISTORY_MIN_BLOB_BYTES)
                        .setBlobCompressionType(compression)
                        .setEnableBlobGarbageCollection(settings.historyPruned());
            }
            if (cf == Cf.LAST_SEEN) {
                // Big-endian epoch millis under RocksDB's built-in "max" operator: lastSeen is the
                // latest activity whatever order partitions are applied in, so every node agrees.
                o.setMergeOperatorName("max");
            }
            cfOptions.add(o);
            descriptors.add(new ColumnFamilyDescriptor(cf.cfName.getBytes(StandardCharsets.UTF_8), o));
        }
        List<ColumnFamilyHandle> hs = new ArrayList<>();
        this.db = RocksDB.open(dbOptions, dir.toString(), descriptors, hs);
        for (int i = 0; i < Cf.values().length; i++) {
            handles.put(Cf.values()[i], hs.get(i));
        }
        // No write-ahead log: Kafka is the log. Each batch carries its partitions' next offsets, and
        // atomic flush persists whole batches across all column families together, so after a crash
        // the projection is exactly the state of some earlier batch, offsets included, and the
        // projector re-applies the rest from Kafka. Nothing is lost or applied twice; a clean close
        // flushes first, so only a crash costs a replay of the unflushed tail.
        this.writeOptions = new WriteOptions().setDisableWAL(true);
        this.deadLetters.set(countEntries(Cf.DEAD_LETTERS));
        this.bulkLoad = new BulkLoad(db, handles.values(), dir);
    }

    private long countEntries(Cf cf) {
        long n = 0;
        try (ReadOptions ro = new ReadOptions().setFillCache(false); RocksIterator it = iterator(cf, ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                n++;
            }
        }
        return n;
    }

    /**
     * The records of the log this projection holds as dead letters: what it had on disk when it
     * opened plus those written since ({@link #deadLettered}). Survives restarts; every node that
     * applied the same log holds the same number.
     */
    long deadLetterCount() {
        return deadLetters.get();
    }

    /** Counts {@code n} dead letters just written (after their batch was written). */
    void deadLettered(int n) {
        deadLetters.addAndGet(n);
    }

    /**
     * Opens (creating if needed) the projection in {@code dir}.
     *
     * @throws StorageException naming the directory when RocksDB cannot open it (e.g. another
     *     process holds it)
     */
    static RocksProjection open(Path dir, ProjectionSettings settings) {
        try {
            Files.createDirectories(dir);
            return new RocksProjection(dir, settings);
        } catch (RocksDBException e) {
            throw new StorageException("cannot open the RocksDB projection in " + dir + ": " + e.getMessage()
                    + (String.valueOf(e.getMessage()).contains("lock") ? " (is another worldstore using this data.dir?)" : ""), e);
        } catch (java.io.IOException e) {
            throw new StorageException("cannot create the projection directory " + dir + ": " + e.getMessage(), e);
        }
    }

    Path dir() {
        return dir;
    }

    ColumnFamilyHandle handle(Cf cf) {
        return handles.get(cf);
    }

    @Override
    public byte[] get(Cf cf, byte[] key) {
        try {
            return db.get(handles.get(cf), key);
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB read of table " + cf.cfName + " in " + dir + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Point reads of many keys from one consistent view of the projection (a RocksDB snapshot): no
     * value is newer than another, whatever the projector writes meanwhile.
     *
     * @return the values in the order of {@code keys}, {@code null} where absent
     */
    List<byte[]> getConsistent(List<Cf> cfs, List<byte[]> keys) {
        List<ColumnFamilyHandle> hs = new ArrayList<>(cfs.size());
        for (Cf cf : cfs) {
            hs.add(handles.get(cf));
        }
        org.rocksdb.Snapshot snapshot = db.getSnapshot();
        try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot)) {
            return db.multiGetAsList(ro, hs, keys);
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB read of " + keys.size() + " keys in " + dir + " failed: " + e.getMessage(), e);
        } finally {
            db.releaseSnapshot(snapshot);
        }
    }

    /** Runs {@code reads} against one consistent view of the projection (a RocksDB snapshot). */
    <T> T withSnapshot(java.util.function.Function<ReadOptions, T> reads) {
        org.rocksdb.Snapshot snapshot = db.getSnapshot();
        try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot)) {
            return reads.apply(ro);
        } finally {
            db.releaseSnapshot(snapshot);
        }
    }

    /** A point read through {@code options} (e.g. a snapshot's). */
    byte[] get(Cf cf, ReadOptions options, byte[] key) {
        try {
            return db.get(handles.get(cf), options, key);
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB read of table " + cf.cfName + " in " + dir + " failed: " + e.getMessage(), e);
        }
    }

    void write(WriteBatch batch) {
        try {
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB write to " + dir + " failed: " + e.getMessage(), e);
        }
    }

    /** An iterator over {@code cf}; the caller closes it. */
    RocksIterator iterator(Cf cf, ReadOptions options) {
        return db.newIterator(handles.get(cf), options);
    }

    static byte[] partitionKey(int partition) {
        return ByteBuffer.allocate(4).putInt(partition).array();
    }

    /**
     * A partition's checkpoint in {@link Cf#OFFSETS}: next offset, records applied and the event time
     * of its last event ({@link EventClock#NONE} when none yet). Releases before event times wrote
     * the first two only (16 bytes): such a projection is upgraded when a node opens it
     * ({@link EventTimeUpgrade}).
     */
    static byte[] offsetValue(long nextOffset, long appliedCount, long lastEventTime) {
        return ByteBuffer.allocate(24).putLong(nextOffset).putLong(appliedCount).putLong(lastEventTime).array();
    }

    /**
     * The event time of {@code partition}'s last applied event: {@link EventClock#NONE} when it has
     * none, or empty when the checkpoint was written by a release before event times.
     */
    java.util.OptionalLong lastEventTime(int partition) {
        byte[] v = get(Cf.OFFSETS, partitionKey(partition));
        if (v == null) {
            return java.util.OptionalLong.of(EventClock.NONE);
        }
        return v.length >= 24 ? java.util.OptionalLong.of(ByteBuffer.wrap(v, 16, 8).getLong()) : java.util.OptionalLong.empty();
    }

    /** The event time of the event at {@code offset} of {@code partition}, or {@code fallback} when the index does not reach it. */
    long eventTime(int partition, long offset, long fallback) {
        long t = EventClock.timeAt(this, partition, offset);
        return t == EventClock.NONE ? fallback : t;
    }

    @Override
    public byte[] seekAtOrAfter(byte[] key, byte[] prefix) {
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = iterator(Cf.EVENT_TIMES, ro)) {
            it.seek(key);
            return it.isValid() && KeyCodec.startsWith(it.key(), prefix) ? it.value() : null;
        }
    }

    @Override
    public byte[] seekAtOrBefore(byte[] key, byte[] prefix) {
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = iterator(Cf.EVENT_TIMES, ro)) {
            it.seekForPrev(key);
            return it.isValid() && KeyCodec.startsWith(it.key(), prefix) ? it.value() : null;
        }
    }

    /** True if the event at this position was dead-lettered or refused, i.e. never changed the state. */
    boolean notApplied(int partition, long offset) {
        byte[] k = DeadLetters.positionKey(partition, offset);
        return RejectedMarks.refused(get(Cf.REJECTED, k)) || get(Cf.DEAD_LETTERS, k) != null;
    }

    /**
     * The changes of the applied batch at this position that changed nothing (a delete of an absent
     * key, a merge patch whose result equals the value), by index in the batch; empty when none.
     */
    BitSet skippedChanges(int partition, long offset) {
        return RejectedMarks.skipped(get(Cf.REJECTED, DeadLetters.positionKey(partition, offset)));
    }

    /** Per partition that has one, in partition order: the checkpoint stored with the state by the last atomic write. */
    List<NodeOperations.Checkpoint> checkpoints() {
        List<NodeOperations.Checkpoint> result = new ArrayList<>();
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = iterator(Cf.OFFSETS, ro)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                ByteBuffer v = ByteBuffer.wrap(it.value());
                result.add(new NodeOperations.Checkpoint(ByteBuffer.wrap(it.key()).getInt(), v.getLong(), v.getLong()));
            }
        }
        return result;
    }

    /** The stored checkpoint of {@code partition}, or one at offset 0 if it has none yet. */
    NodeOperations.Checkpoint checkpoint(int partition) {
        for (NodeOperations.Checkpoint c : checkpoints()) {
            if (c.partition() == partition) {
                return c;
            }
        }
        return new NodeOperations.Checkpoint(partition, 0, 0);
    }

    /** The {@link Cf#META} entry holding the partition count of the topic the projection was built from. */
    static final String PARTITIONS_META = "partitions";

    String meta(String name) {
        byte[] v = get(Cf.META, name.getBytes(StandardCharsets.UTF_8));
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    void putMeta(String name, String value) {
        try {
            db.put(handles.get(Cf.META), writeOptions, name.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB write to " + dir + " failed: " + e.getMessage(), e);
        }
    }

    /** Estimated bytes on disk (SST and blob files) and in memtables; -1 if RocksDB cannot say. */
    long sizeBytes() {
        long total = 0;
        try {
            for (ColumnFamilyHandle h : handles.values()) {
                total += db.getLongProperty(h, "rocksdb.total-sst-files-size");
                total += db.getLongProperty(h, "rocksdb.total-blob-file-size");
                total += db.getLongProperty(h, "rocksdb.cur-size-all-mem-tables");
            }
        } catch (RocksDBException e) {
            return -1;
        }
        return total;
    }

    /** Flushes memtables to SST files (used before checkpoints and on clean shutdown). */
    void flush() {
        try (org.rocksdb.FlushOptions fo = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
            db.flush(fo, new ArrayList<>(handles.values()));
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB flush of " + dir + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Writes a consistent checkpoint of the whole projection (state, history and the offsets it
     * reflects) to {@code target}, hard-linking immutable files.
     */
    void checkpoint(Path target) {
        flush(); // without a WAL, only flushed data is in the checkpoint's files
        try (org.rocksdb.Checkpoint cp = org.rocksdb.Checkpoint.create(db)) {
            cp.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB checkpoint of " + dir + " into " + target + " failed: " + e.getMessage(), e);
        }
    }

    /** Catch-up mode of this projection (compactions paused while the projector catches up). */
    BulkLoad bulkLoad() {
        return bulkLoad;
    }

    /** Closes handles before the database and options after it, as RocksDB requires. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            flush();
        } catch (StorageException e) {
            org.slf4j.LoggerFactory.getLogger(RocksProjection.class).warn("flush on close failed, the projector will"
                    + " re-apply the unflushed tail from Kafka: {}", e.getMessage());
        }
        handles.values().forEach(ColumnFamilyHandle::close);
        db.close();
        writeOptions.close();
        dbOptions.close();
        cfOptions.forEach(ColumnFamilyOptions::close);
        cache.close();
    }
}
