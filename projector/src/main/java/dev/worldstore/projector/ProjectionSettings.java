package dev.worldstore.projector;

import dev.worldstore.WorldStoreConfig;
import java.nio.file.Path;

/**
 * The projection's settings, read once from the configuration. Immutable.
 *
 * @param dataDir the node's {@code data.dir}: the projection is in {@code projection/}, snapshots in {@code snapshots/}
 * @param pollMaxRecords most events applied in one atomic write
 * @param snapshotIntervalMs how often the projector checkpoints the projection (0 = never)
 * @param snapshotRetain how many snapshots to keep
 * @param lowBackgroundPriority whether RocksDB's flushes and compactions run at the lowest CPU priority
 *     ({@code rocksdb.background.priority=low})
 * @param historyPruned whether history pruning is on ({@code retention.history.max.versions} or
 *     {@code retention.history.max.age.ms}): only then do the history's blob files hold garbage worth
 *     collecting
 */
record ProjectionSettings(Path dataDir, long blockCacheBytes, String compression, int pollMaxRecords, long snapshotIntervalMs,
        int snapshotRetain, boolean lowBackgroundPriority, boolean historyPruned) {

    static ProjectionSettings from(WorldStoreConfig c) {
        return new ProjectionSettings(c.dataDir(), c.getLong(WorldStoreConfig.ROCKSDB_BLOCK_CACHE_BYTES),
                c.get(WorldStoreConfig.ROCKSDB_COMPRESSION), c.getInt(WorldStoreConfig.PROJECTOR_POLL_MAX_RECORDS),
                c.getLong(WorldStoreConfig.PROJECTOR_SNAPSHOT_INTERVAL_MS), c.getInt(WorldStoreConfig.PROJECTOR_SNAPSHOT_RETAIN_COUNT),
                c.get(WorldStoreConfig.ROCKSDB_BACKGROUND_PRIORITY).equals("low"),
                RetentionSettings.from(c).prunesHistory());
    }

    Path projectionDir() {
        return dataDir.resolve("projection");
    }

    Path snapshotsDir() {
        return dataDir.resolve("snapshots");
    }

    /** The same settings for a scratch projection elsewhere that takes no snapshots (rebuilds, replays). */
    ProjectionSettings scratch(Path dir) {
        return new ProjectionSettings(dir, blockCacheBytes, compression, pollMaxRecords, 0, snapshotRetain, lowBackgroundPriority,
                historyPruned);
    }
}
