package dev.worldstore.projector;

import dev.worldstore.StorageException;
import java.nio.file.Path;
import java.util.Collection;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * A projection's catch-up mode ({@link RocksProjection#bulkLoad()}): background compactions paused
 * while the projector catches up, resumed when it has or when L0 files pile up. Thread-safe.
 */
final class BulkLoad {
    private final RocksDB db;
    private final Collection<ColumnFamilyHandle> handles;
    private final Path dir;

    BulkLoad(RocksDB db, Collection<ColumnFamilyHandle> handles, Path dir) {
        this.db = db;
        this.handles = handles;
        this.dir = dir;
    }

    /**
     * Most L0 files a family may gather while {@link #begin() catch-up mode}: past it
     * compactions resume, so a very long catch-up does not leave reads to search hundreds of files.
     */
    static final int MAX_L0_FILES = 48;
    private volatile boolean bulk;

    /**
     * Catch-up mode: no background compactions, so the cores go to applying events; every flush adds
     * an L0 file. Ended by {@link #end()} (the projector caught up) or by
     * {@link #check()} when a family holds {@link #MAX_L0_FILES} L0 files; then
     * compactions resume and work through the files in the background. Thread-safe.
     */
    void begin() {
        setAutoCompactions(false);
        bulk = true;
    }

    /** Ends catch-up mode if it is on: compactions resume. Thread-safe, idempotent. */
    void end() {
        if (bulk) {
            bulk = false;
            setAutoCompactions(true);
        }
    }

    boolean active() {
        return bulk;
    }

    /** Ends catch-up mode once a family holds {@link #MAX_L0_FILES} L0 files (cheap: reads a property per family). */
    void check() {
        if (bulk && level0Files() >= MAX_L0_FILES) {
            end();
        }
    }

    /** The most L0 files (flushed, not yet compacted) any family holds; {@link Long#MAX_VALUE} if RocksDB cannot tell. */
    long level0Files() {
        long most = 0;
        try {
            for (ColumnFamilyHandle h : handles) {
                // a string property (RocksDB's integer properties do not include it)
                most = Math.max(most, Long.parseLong(db.getProperty(h, "rocksdb.num-files-at-level0").strip()));
            }
        } catch (RocksDBException | NumberFormatException e) {
            return Long.MAX_VALUE;
        }
        return most;
    }

    /**
     * Compacts the whole key range of every family now, blocking until done: what RocksDB would do
     * in the background, at once (tests that look at what compactions leave). Thread-safe.
     *
     * @throws StorageException naming the directory if RocksDB fails
     */
    void compactAll() {
        try {
            for (ColumnFamilyHandle h : handles) {
                db.compactRange(h);
            }
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB could not compact " + dir + ": " + e.getMessage(), e);
        }
    }

    private void setAutoCompactions(boolean on) {
        org.rocksdb.MutableColumnFamilyOptions o = org.rocksdb.MutableColumnFamilyOptions.builder().setDisableAutoCompactions(!on).build();
        try {
            for (ColumnFamilyHandle h : handles) {
                db.setOptions(h, o);
            }
        } catch (RocksDBException e) {
            throw new StorageException("RocksDB could not " + (on ? "resume" : "pause") + " compactions in " + dir + ": " + e.getMessage(), e);
        }
    }
}
