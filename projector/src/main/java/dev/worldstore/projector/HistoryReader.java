package dev.worldstore.projector;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.HistoryEntry;
import dev.worldstore.HistoryPage;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.Stored;
import dev.worldstore.Table;
import dev.worldstore.Upgraders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;

/**
 * Reads over the history the projector keeps beside the state ({@link HistoryCodec}): a key's
 * changes, a key as of a log position, a whole world as of a log position. Values stay the bytes
 * the history holds (slices, not copies) unless a merge patch must be applied: only then is a value
 * parsed, patched (upgraded first when the patch is newer, exactly as the projector did) and
 * written once. Thread-safe.
 */
final class HistoryReader {
    private final RocksProjection store;
    private final Upgraders upgraders;

    HistoryReader(RocksProjection store, Upgraders upgraders) {
        this.store = store;
        this.upgraders = upgraders;
    }

    /**
     * A key's value during replay: the bytes of the put that set it, or the tree a merge computed,
     * with its data format; {@link #ABSENT} when the key has no value.
     */
    private record Val(Stored bytes, JsonNode tree, int format) {
        static final Val ABSENT = new Val(null, null, 0);

        boolean absent() {
            return bytes == null && tree == null;
        }

        JsonNode node() {
            return tree != null ? tree : bytes == null ? null : bytes.value();
        }
    }

    /** One entry read from the history: the op and the change as recorded (a slice of the entry). */
    private record Raw(Op op, Stored change) {
        long version() {
            return change.version();
        }
    }

    private static Raw decode(Key key, byte[] value) {
        return new Raw(HistoryCodec.op(value), HistoryCodec.change(key, value));
    }

    /** A key's changes, newest first, strictly below {@code before}. */
    HistoryPage history(Key key, long before, int limit, boolean withResult) {
        if (before <= 0) {
            return new HistoryPage(List.of(), OptionalLong.empty());
        }
        byte[] prefix = HistoryCodec.keyPrefix(key.table(), KeyCodec.encode(key));
        List<Raw> page = new ArrayList<>();
        Long nextBefore = null;
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = store.iterator(Cf.HISTORY, ro)) {
            it.seekForPrev(HistoryCodec.at(prefix, before == Long.MAX_VALUE ? Long.MAX_VALUE : before - 1));
            for (; it.isValid() && KeyCodec.startsWith(it.key(), prefix); it.prev()) {
                if (page.size() == limit) {
                    nextBefore = page.get(page.size() - 1).version();
                    break;
                }
                page.add(decode(key, it.value()));
            }
        }
        List<HistoryEntry> items = new ArrayList<>(page.size());
        Stored[] results = withResult && !page.isEmpty() ? results(key, prefix, page) : new Stored[page.size()];
        for (int i = 0; i < page.size(); i++) {
            items.add(new HistoryEntry(page.get(i).op(), page.get(i).change(), results[i]));
        }
        return new HistoryPage(items, nextBefore == null ? OptionalLong.empty() : OptionalLong.of(nextBefore));
    }

    /**
     * The value after each change of {@code page} (newest first): start from the value just before
     * the page's oldest change, found by walking back to the last put or delete, then replay forward.
     */
    private Stored[] results(Key key, byte[] prefix, List<Raw> page) {
        long oldest = page.get(page.size() - 1).version();
        Val value = valueBefore(key, prefix, oldest);
        Stored[] results = new Stored[page.size()];
        for (int i = page.size() - 1; i >= 0; i--) {
            value = apply(key, value, page.get(i));
            results[i] = value.absent() ? null : stored(key, value, page.get(i).change());
        }
        return results;
    }

    /** The value of the key just before {@code version}. */
    private Val valueBefore(Key key, byte[] prefix, long version) {
        Deque<Raw> patches = new ArrayDeque<>();
        Val base = Val.ABSENT;
        if (version > 0) {
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = store.iterator(Cf.HISTORY, ro)) {
                for (it.seekForPrev(HistoryCodec.at(prefix, version - 1)); it.isValid() && KeyCodec.startsWith(it.key(), prefix);
                        it.prev()) {
                    Raw r = decode(key, it.value());
                    if (r.op() == Op.MERGE) {
                        patches.push(r);
                        continue;
                    }
                    base = apply(key, Val.ABSENT, r);
                    break;
                }
            }
        }
        for (Raw r : patches) {
            base = apply(key, base, r);
        }
        return base;
    }

    /** The value after {@code change}, exactly as the projector computed it (upgrading before a newer patch). */
    private Val apply(Key key, Val value, Raw change) {
        int format = change.change().formatVersion();
        return switch (change.op()) {
            case PUT -> new Val(change.change(), null, format);
            case DELETE -> Val.ABSENT;
            case MERGE -> {
                JsonNode base = value.node();
                if (base != null && value.format() < format) {
                    base = upgraders.upgrade(key.table(), value.format(), format, base);
                }
                yield new Val(null, MergePatch.apply(base, change.change().value()), base == null ? format : Math.max(format,
                        value.format()));
            }
        };
    }

    /** {@code value} as a stored value with the facts of the change that produced it. */
    private static Stored stored(Key key, Val value, Stored facts) {
        if (value.bytes() != null) {
            return value.bytes();
        }
        return Stored.ofTree(key, value.tree(), facts.version(), facts.updatedAt(), value.format(), facts.origin(), facts.actor());
    }

    /**
     * The key's value after every change up to and including offset {@code last} of its partition,
     * stamped with the facts of the change that produced it; empty if it had none then.
     */
    Optional<Stored> readAsOf(Key key, long last) {
        byte[] prefix = HistoryCodec.keyPrefix(key.table(), KeyCodec.encode(key));
        Raw found = null;
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = store.iterator(Cf.HISTORY, ro)) {
            it.seekForPrev(HistoryCodec.at(prefix, last));
            if (it.isValid() && KeyCodec.startsWith(it.key(), prefix)) {
                found = decode(key, it.value());
            }
        }
        if (found == null || found.op() == Op.DELETE) {
            return Optional.empty();
        }
        Val value = apply(key, found.op() == Op.PUT ? Val.ABSENT : valueBefore(key, prefix, found.version()), found);
        return Optional.of(stored(key, value, found.change()));
    }

    /**
     * Every key of {@code worldId} after every change up to and including offset {@code last}, table
     * by table (world state, entities, player states, app data) in key order.
     */
    void snapshot(String worldId, long last, Consumer<Stored> sink) {
        byte[] world = worldId.getBytes(StandardCharsets.UTF_8);
        for (Table table : List.of(Table.WORLD_STATE, Table.ENTITY_STATES, Table.PLAYER_STATES, Table.APP_STORAGE)) {
            // table | world | 0x00 starts every history key of this world in this table, the world state's too
            byte[] prefix = HistoryCodec.keyPrefix(table, world);
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = store.iterator(Cf.HISTORY, ro)) {
                byte[] currentKey = null;
                Key key = null;
                Val value = Val.ABSENT;
                Stored facts = null;
                for (it.seek(prefix); it.isValid() && KeyCodec.startsWith(it.key(), prefix); it.next()) {
                    byte[] hk = it.key();
                    byte[] encoded = HistoryCodec.encodedKeyOf(hk);
                    if (currentKey == null || !java.util.Arrays.equals(currentKey, encoded)) {
                        emit(sink, key, value, facts);
                        currentKey = encoded;
                        key = KeyCodec.decode(table, encoded);
                        value = Val.ABSENT;
                        facts = null;
                    }
                    if (HistoryCodec.versionOf(hk) <= last) {
                        Raw r = decode(key, it.value());
                        value = apply(key, value, r);
                        facts = r.change();
                    }
                }
                emit(sink, key, value, facts);
            }
        }
    }

    /** True if any key of {@code worldId} has history (the world exists, or existed). */
    boolean worldHasHistory(String worldId) {
        byte[] world = worldId.getBytes(StandardCharsets.UTF_8);
        for (Table table : List.of(Table.WORLD_STATE, Table.ENTITY_STATES, Table.PLAYER_STATES, Table.APP_STORAGE)) {
            byte[] prefix = HistoryCodec.keyPrefix(table, world);
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = store.iterator(Cf.HISTORY, ro)) {
                it.seek(prefix);
                if (it.isValid() && KeyCodec.startsWith(it.key(), prefix)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The world tables, in the order a world is streamed. */
    private static final List<Table> WORLD_TABLES = List.of(Table.WORLD_STATE, Table.ENTITY_STATES, Table.PLAYER_STATES,
            Table.APP_STORAGE);

    /**
     * Ids of worlds with any history, in id order, strictly after {@code after} ({@code null}: from the
     * first), at most {@code limit}. Skips from world to world (one seek per world and table), so it
     * costs the number of worlds listed, not their history.
     */
    List<String> worldIds(String after, int limit) {
        java.util.TreeSet<String> ids = new java.util.TreeSet<>();
        for (Table table : WORLD_TABLES) {
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = store.iterator(Cf.HISTORY, ro)) {
                byte t = (byte) table.ordinal();
                it.seek(after == null ? new byte[] {t} : past(t, after));
                int found = 0;
                while (it.isValid() && found < limit) {
                    byte[] k = it.key();
                    if (k.length == 0 || k[0] != t) {
                        break;
                    }
                    int end = 1;
                    while (end < k.length && k[end] != 0) {
                        end++;
                    }
                    String world = new String(k, 1, end - 1, StandardCharsets.UTF_8);
                    ids.add(world);
                    found++;
                    it.seek(past(t, world));
                }
            }
        }
        List<String> out = new ArrayList<>(Math.min(limit, ids.size()));
        for (String id : ids) {
            if (out.size() == limit) {
                break;
            }
            out.add(id);
        }
        return out;
    }

    /** The first history key of table {@code t} after every key of world {@code world}: t | world | 0x01. */
    private static byte[] past(byte t, String world) {
        byte[] w = world.getBytes(StandardCharsets.UTF_8);
        byte[] k = new byte[w.length + 2];
        k[0] = t;
        System.arraycopy(w, 0, k, 1, w.length);
        k[k.length - 1] = 1;
        return k;
    }

    /** Visits (timestamp ms, version) of every history entry of {@code worldId}. */
    private void eachChange(String worldId, java.util.function.ObjLongConsumer<byte[]> visit) {
        byte[] world = worldId.getBytes(StandardCharsets.UTF_8);
        for (Table table : WORLD_TABLES) {
            byte[] prefix = HistoryCodec.keyPrefix(table, world);
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = store.iterator(Cf.HISTORY, ro)) {
                for (it.seek(prefix); it.isValid() && KeyCodec.startsWith(it.key(), prefix); it.next()) {
                    visit.accept(it.value(), HistoryCodec.versionOf(it.key()));
                }
            }
        }
    }

    /**
     * When {@code worldId}'s changes happened: count, earliest and latest (time and offset in
     * {@code partition}), and the count per each of {@code buckets} equal intervals between them.
     * Two passes over the world's history.
     */
    dev.worldstore.WorldTimeline timeline(String worldId, int partition, int buckets) {
        long[] stats = {0, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE}; // count, min/max ts, min/max version
        eachChange(worldId, (value, version) -> {
            long ts = HistoryCodec.timestampMs(value);
            stats[0]++;
            stats[1] = Math.min(stats[1], ts);
            stats[2] = Math.max(stats[2], ts);
            stats[3] = Math.min(stats[3], version);
            stats[4] = Math.max(stats[4], version);
        });
        if (stats[0] == 0) {
            return new dev.worldstore.WorldTimeline(worldId, 0, null, null, null, null, List.of());
        }
        long first = stats[1];
        long span = stats[2] - first + 1;
        long[] counts = new long[buckets];
        eachChange(worldId, (value, version) -> {
            long at = HistoryCodec.timestampMs(value) - first;
            int b = (int) Math.min(buckets - 1, Math.max(0, at * buckets / span));
            counts[b]++;
        });
        List<Long> density = new ArrayList<>(buckets);
        for (long c : counts) {
            density.add(c);
        }
        return new dev.worldstore.WorldTimeline(worldId, stats[0], java.time.Instant.ofEpochMilli(first),
                java.time.Instant.ofEpochMilli(stats[2]), new dev.worldstore.LogPosition(partition, stats[3]),
                new dev.worldstore.LogPosition(partition, stats[4]), density);
    }

    private static void emit(Consumer<Stored> sink, Key key, Val value, Stored facts) {
        if (key != null && !value.absent()) {
            sink.accept(stored(key, value, facts));
        }
    }
}
