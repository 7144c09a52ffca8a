package dev.worldstore.projector;

import dev.worldstore.Change;
import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.Saved;
import dev.worldstore.Table;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.LongSupplier;
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
 * Idempotency keys: drops {@link Cf#IDEMPOTENCY} entries no event can fall within any more, judged
 * by the latest event time applied (not this node's clock), so a node replaying old events keeps
 * the entries those events need.
 *
 * <p>One sweep at a time (the node's housekeeping thread, or an operator's call): {@link #sweep()} is
 * synchronized.
 */
final class Retention {
    static final String ACTOR = "worldstore:expiry";
    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    private static final int MAX_DELETES_PER_SWEEP = 10_000;

    private final RocksProjection projection;
    private final Function<Change, CompletableFuture<Saved>> writer;
    private final Clock clock;
    private final RetentionSettings settings;
    private final LongSupplier latestEventMs;

    /**
     * @param writer appends the expiry deletes (the node's write path)
     * @param latestEventMs the latest event time the projector applied (epoch ms; {@link Long#MIN_VALUE} before any)
     */
    Retention(RocksProjection projection, Function<Change, CompletableFuture<Saved>> writer, RetentionSettings settings, Clock clock,
            LongSupplier latestEventMs) {
        this.projection = projection;
        this.latestEventMs = latestEventMs;
        this.writer = writer;
        this.clock = clock;
        this.settings = settings;
    }

    /** One pass: expire, then prune. Returns the number of expiry deletes sent. */
    synchronized int sweep() {
        int expired = 0;
        pruneIdempotencyKeys();
        if (settings.entityTtlMs() > 0) {
            expired += expire(Cf.ENTITY_STATES, Table.ENTITY_STATES, settings.entityTtlMs());
        }
        if (settings.appTtlMs() > 0) {
            expired += expire(Cf.APP_STORAGE, Table.APP_STORAGE, settings.appTtlMs());
        }
        if (settings.prunesHistory()) {
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
                if (StoredCodec.timestampMs(v, 0) < cutoff) {
                    Key key = KeyCodec.decode(table, it.key());
                    writer.apply(new Change(key, Op.DELETE, null, Condition.version(StoredCodec.version(v)), ACTOR));
                    sent++;
                }
            }
        }
        if (sent > 0) {
            LOG.info("expiry: sent {} delete(s) for {} not updated in {} ms", sent, table.wireName(), ttlMs);
        }
        return sent;
    }

    private void pruneIdempotencyKeys() {
        long latest = latestEventMs.getAsLong();
        if (latest == Long.MIN_VALUE) {
            return;
        }
        int dropped = 0;
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(Cf.IDEMPOTENCY, ro);
                WriteBatch batch = new WriteBatch()) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                if (IdempotencyRecords.expired(it.value(), latest)) {
                    batch.delete(projection.handle(Cf.IDEMPOTENCY), it.key());
                    dropped++;
                }
            }
            if (dropped > 0) {
                projection.write(batch);
                LOG.info("retention: dropped {} expired idempotency key(s)", dropped);
            }
        } catch (RocksDBException e) {
            LOG.warn("idempotency key pruning failed: {}", e.toString());
        }
    }

    private void pruneHistory() {
        int maxVersions = settings.historyMaxVersions();
        long cutoff = settings.historyMaxAgeMs() > 0 ? clock.millis() - settings.historyMaxAgeMs() : Long.MIN_VALUE;
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
                long ts = HistoryCodec.timestampMs(v);
                boolean keep = kept == 0 || !based || ((maxVersions == 0 || kept < maxVersions) && ts >= cutoff);
                if (keep) {
                    kept++;
                    based |= HistoryCodec.op(v) != Op.MERGE;
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
