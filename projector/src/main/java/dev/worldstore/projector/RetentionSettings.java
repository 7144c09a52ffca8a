package dev.worldstore.projector;

import dev.worldstore.WorldStoreConfig;

/**
 * Expiry and history pruning, read once from the configuration (0 = off for each). Immutable.
 *
 * @param entityTtlMs entities not updated for this long are deleted
 * @param appTtlMs app data not updated for this long is deleted
 * @param historyMaxVersions versions of one key kept in this node's history index
 * @param historyMaxAgeMs history entries older than this are dropped, a key's newest always kept
 * @param checkIntervalMs how often a sweep runs
 */
record RetentionSettings(long entityTtlMs, long appTtlMs, int historyMaxVersions, long historyMaxAgeMs, long checkIntervalMs) {

    static RetentionSettings from(WorldStoreConfig c) {
        return new RetentionSettings(c.getLong(WorldStoreConfig.RETENTION_ENTITY_TTL_MS), c.getLong(WorldStoreConfig.RETENTION_APP_TTL_MS),
                c.getInt(WorldStoreConfig.RETENTION_HISTORY_MAX_VERSIONS), c.getLong(WorldStoreConfig.RETENTION_HISTORY_MAX_AGE_MS),
                c.getLong(WorldStoreConfig.RETENTION_CHECK_INTERVAL_MS));
    }

    /** Whether history pruning is on: by count, by age, or both. */
    boolean prunesHistory() {
        return historyMaxVersions > 0 || historyMaxAgeMs > 0;
    }
}
