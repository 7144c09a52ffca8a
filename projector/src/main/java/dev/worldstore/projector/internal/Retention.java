package dev.worldstore.projector.internal;

import dev.worldstore.Change;
import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.Table;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.projector.internal.RocksProjection.Cf;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Arrays;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guide's cleanup practice. Expiry: entities and app data not updated for their table's TTL are
 * deleted by ordinary delete events (actor {@value #ACTOR}), conditional on the version that
 * expired, so an update racing the sweep wins and every removal stays in the history; every node
 * sweeps, and the condition makes duplicate sweeps harmless. History pruning: drops old entries of
 * this node's history index beyond the configured count or age, always keeping a key's newest.
 */
final class Retention {
    static final String ACTOR = "worldstore:expiry";
    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    private static final int MAX_DELETES_PER_SWEEP = 10_000;

    private final RocksProjection projection;
    private final WorldStore store;
    private final Clock clock;
    private final long entityTtlMs;
    private final long appTtlMs;
    private final int maxVersions;
    private final long maxAgeMs;

    Retention(RocksProjection projection, WorldStore store, WorldStoreConfig config, Clock clock) {
        this.projection = projection;
        this.store = store;
        this.clock = clock;
        this.entityTtlMs = config.getLong(WorldStoreConfig.RETENTION_ENTITY_TTL_MS);
        this.appTtlMs = config.getLong(WorldStoreConfig.RETENTION_APP_TTL_MS);
        this.maxVersions = config.getInt(WorldStoreConfig.RETENTION_HISTORY_MAX_VERSIONS);
        this.maxAgeMs = config.getLong(WorldStoreConfig.RETENTION_HISTORY_MAX_AGE_MS);
    }

    boolean enabled() {
        return entityTtlMs > 0 || appTtlMs > 0 || maxVersions > 0 || maxAgeMs > 0;
    }

    /** One pass: expire, then prune. Returns the number of expiry deletes sent. */
    int sweep() {
        int expired = 0;
        if (entityTtlMs > 0) {
            expired += expire(Cf.ENTITY_STATES, Table.ENTITY_STATES, entityTtlMs);
        }
        if (appTtlMs > 0) {
            expired += expire(Cf.APP_STORAGE, Table.APP_STORAGE, appTtlMs);
        }
        if (maxVersions > 0 || maxAgeMs > 0) {
            pruneHistory();
        }
        return expired;
    }

    private int expire(Cf cf, Table table, long ttlMs) {
        long cutoff = clock.millis() - ttlMs;
        int sent = 0;
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(cf, ro)) {
            for (it.seekToFirst(); it.isValid() && sent < MAX_DELETES_PER_SWEEP; it.next()) {
                byte[] v = it.value();
                long updated = ByteBuffer.wrap(v, 9, 8).getLong();
                if (updated < cutoff) {
                    Key key = KeyCodec.decode(table, it.key());
                    store.writeAsync(new Change(key, Op.DELETE, null, Condition.version(StoredCodec.version(v)), ACTOR));
                    sent++;
                }
            }
        }
        if (sent > 0) {
            LOG.info("expiry: sent {} delete(s) for {} not updated in {} ms", sent, table.wireName(), ttlMs);
        }
        return sent;
    }

    private void pruneHistory() {
        long cutoff = maxAgeMs > 0 ? clock.millis() - maxAgeMs : Long.MIN_VALUE;
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(Cf.HISTORY, ro);
                WriteBatch batch = new WriteBatch()) {
            // Walk each key's entries newest first: seek to the end of the key group, then go back.
            // A kept merge patch needs the put (or delete) it builds on, so entries past the bounds
            // are still kept until that base is.
            it.seekToLast();
            byte[] group = null;
            int kept = 0;
            boolean based = false;
            for (; it.isValid(); it.prev()) {
                byte[] k = it.key();
                byte[] g = Arrays.copyOf(k, k.length - 8);
                if (group == null || !Arrays.equals(group, g)) {
                    group = g;
                    kept = 0;
                    based = false;
                }
                byte[] v = it.value();
                long ts = ByteBuffer.wrap(v, 1 + 9, 8).getLong();
                boolean keep = kept == 0 || !based || ((maxVersions == 0 || kept < maxVersions) && ts >= cutoff);
                if (keep) {
                    kept++;
                    based |= v[0] != (byte) Op.MERGE.ordinal();
                } else {
                    batch.delete(projection.handle(Cf.HISTORY), k);
                }
            }
            if (batch.count() > 0) {
                projection.write(batch);
                LOG.info("history pruning: dropped {} entr(ies)", batch.count());
            }
        } catch (RocksDBException e) {
            LOG.warn("history pruning failed: {}", e.toString());
        }
    }
}
