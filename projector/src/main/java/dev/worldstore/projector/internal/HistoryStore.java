package dev.worldstore.projector.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.AsOf;
import dev.worldstore.HistoryEntry;
import dev.worldstore.HistoryPage;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.Stored;
import dev.worldstore.Table;
import dev.worldstore.Upgraders;
import dev.worldstore.internal.ChangeEvent;
import dev.worldstore.internal.Json;
import dev.worldstore.internal.MergePatch;
import dev.worldstore.projector.internal.RocksProjection.Cf;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;

/**
 * The per-key history the projector keeps beside the state, and the reads over it: a key's
 * changes, a key as of a point in time, a whole world as of a point in time.
 *
 * <pre>
 * key    table ordinal (1 byte) | encoded key ({@link KeyCodec}) | 0x00 | version (8 bytes, big-endian)
 * value  op ordinal (1 byte) | {@link StoredCodec} layout whose JSON is the put value, the patch, or null
 * </pre>
 *
 * A key's changes are contiguous and in version (log) order; a world's keys of one table share the
 * prefix {@code table | world 0x00}. Written in the projector's atomic batch, so history and state
 * never disagree. Reads are thread-safe.
 */
final class HistoryStore {
    private static final byte[] NULL_JSON = "null".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final RocksProjection store;
    private final Upgraders upgraders;

    HistoryStore(RocksProjection store, Upgraders upgraders) {
        this.store = store;
        this.upgraders = upgraders;
    }

    /** A value with the data format it is in; {@code node == null} means absent. */
    private record Val(JsonNode node, int format) {
        static final Val ABSENT = new Val(null, 0);
    }

    static byte[] key(Table table, byte[] encodedKey, long version) {
        return ByteBuffer.allocate(1 + encodedKey.length + 1 + 8).put((byte) table.ordinal()).put(encodedKey).put((byte) 0)
                .putLong(version).array();
    }

    static byte[] keyPrefix(Table table, byte[] encodedKey) {
        return ByteBuffer.allocate(1 + encodedKey.length + 1).put((byte) table.ordinal()).put(encodedKey).put((byte) 0).array();
    }

    static byte[] value(ChangeEvent e, long version) {
        return value(e.op(), StoredCodec.encode(version, e.timestampMs(), e.formatVersion(), e.origin(), e.actor(),
                e.payload() == null ? NULL_JSON : e.payload()));
    }

    /** A history value from the {@link StoredCodec} encoding of the change (a put's is the state's own). */
    static byte[] value(Op op, byte[] stored) {
        byte[] v = new byte[stored.length + 1];
        v[0] = (byte) op.ordinal();
        System.arraycopy(stored, 0, v, 1, stored.length);
        return v;
    }

    /** One decoded history entry; {@code change} is parsed lazily by {@link #changeJson()}. */
    private record Raw(Key key, Op op, Stored stored) {
        JsonNode changeJson() {
            JsonNode n = stored.value();
            return n.isNull() ? null : n;
        }

        HistoryEntry toEntry(JsonNode result) {
            return new HistoryEntry(key, stored.version(), op, stored.updatedAt(), stored.origin(), stored.actor(),
                    stored.formatVersion(), changeJson(), result);
        }
    }

    private static Raw decode(Key key, byte[] value) {
        Op op = Op.values()[value[0]];
        return new Raw(key, op, StoredCodec.decode(key, Arrays.copyOfRange(value, 1, value.length)));
    }

    private static long versionOf(byte[] historyKey) {
        return ByteBuffer.wrap(historyKey, historyKey.length - 8, 8).getLong();
    }

    /** A key's changes, newest first, strictly below {@code before}. */
    HistoryPage history(Key key, long before, int limit, boolean withResult) {
        if (before <= 0) {
            return new HistoryPage(List.of(), OptionalLong.empty());
        }
        byte[] prefix = keyPrefix(key.table(), KeyCodec.encode(key));
        List<Raw> page = new ArrayList<>();
        Long nextBefore = null;
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = store.iterator(Cf.HISTORY, ro)) {
            it.seekForPrev(concat(prefix, before == Long.MAX_VALUE ? Long.MAX_VALUE : before - 1));
            for (; it.isValid() && KeyCodec.startsWith(it.key(), prefix); it.prev()) {
                if (page.size() == limit) {
                    nextBefore = page.get(page.size() - 1).stored().version();
                    break;
                }
                page.add(decode(key, it.value()));
            }
        }
        List<HistoryEntry> items = new ArrayList<>(page.size());
        if (withResult && !page.isEmpty()) {
            JsonNode[] results = results(key, prefix, page);
            for (int i = 0; i < page.size(); i++) {
                items.add(page.get(i).toEntry(results[i]));
            }
        } else {
            page.forEach(r -> items.add(r.toEntry(null)));
        }
        return new HistoryPage(items, nextBefore == null ? OptionalLong.empty() : OptionalLong.of(nextBefore));
    }

    /**
     * The value after each change of {@code page} (newest first): start from the value just before
     * the page's oldest change, found by walking back to the last put or delete, then replay forward.
     */
    private JsonNode[] results(Key key, byte[] prefix, List<Raw> page) {
        long oldest = page.get(page.size() - 1).stored().version();
        Val value = valueBefore(key, prefix, oldest);
        JsonNode[] results = new JsonNode[page.size()];
        for (int i = page.size() - 1; i >= 0; i--) {
            value = apply(key, value, page.get(i));
            results[i] = value.node();
        }
        return results;
    }

    /** The value of the key just before {@code version}; {@code null} when absent. */
    private Val valueBefore(Key key, byte[] prefix, long version) {
        Deque<Raw> patches = new ArrayDeque<>();
        Val base = Val.ABSENT;
        if (version > 0) {
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = store.iterator(Cf.HISTORY, ro)) {
                for (it.seekForPrev(concat(prefix, version - 1)); it.isValid() && KeyCodec.startsWith(it.key(), prefix); it.prev()) {
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
        int format = change.stored().formatVersion();
        return switch (change.op()) {
            case PUT -> new Val(change.changeJson(), format);
            case DELETE -> Val.ABSENT;
            case MERGE -> {
                JsonNode base = value.node();
                if (base != null && value.format() < format) {
                    base = upgraders.upgrade(key.table(), value.format(), base);
                }
                yield new Val(MergePatch.apply(base, change.changeJson()), format);
            }
        };
    }

    /** The key's value as of {@code asOf}, stamped with the facts of the change that produced it. */
    Optional<Stored> readAsOf(Key key, AsOf asOf) {
        byte[] prefix = keyPrefix(key.table(), KeyCodec.encode(key));
        Raw found = null;
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = store.iterator(Cf.HISTORY, ro)) {
            long start = asOf instanceof AsOf.AtPosition p ? p.position().offset() : Long.MAX_VALUE;
            for (it.seekForPrev(concat(prefix, start)); it.isValid() && KeyCodec.startsWith(it.key(), prefix); it.prev()) {
                Raw r = decode(key, it.value());
                if (asOf.includes(r.stored().version(), r.stored().updatedAt().toEpochMilli())) {
                    found = r;
                    break;
                }
            }
        }
        if (found == null || found.op() == Op.DELETE) {
            return Optional.empty();
        }
        Val value = apply(key, found.op() == Op.PUT ? Val.ABSENT : valueBefore(key, prefix, found.stored().version()), found);
        Stored s = found.stored();
        return Optional.of(new Stored(key, Json.bytes(value.node()), s.version(), s.updatedAt(), value.format(), s.origin(),
                s.actor()));
    }

    /** Every key of {@code worldId} as of {@code asOf}, table by table in key order. */
    void snapshot(String worldId, AsOf asOf, Consumer<Stored> sink) {
        byte[] world = worldId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (Table table : List.of(Table.WORLD_STATE, Table.ENTITY_STATES, Table.PLAYER_STATES, Table.APP_STORAGE)) {
            // table | world | 0x00 starts every history key of this world in this table, the world state's too
            byte[] prefix = keyPrefix(table, world);
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = store.iterator(Cf.HISTORY, ro)) {
                byte[] currentKey = null;
                Key key = null;
                Val value = Val.ABSENT;
                Stored facts = null;
                for (it.seek(prefix); it.isValid() && KeyCodec.startsWith(it.key(), prefix); it.next()) {
                    byte[] hk = it.key();
                    byte[] encoded = Arrays.copyOfRange(hk, 1, hk.length - 9);
                    if (currentKey == null || !Arrays.equals(currentKey, encoded)) {
                        emit(sink, key, value, facts);
                        currentKey = encoded;
                        key = KeyCodec.decode(table, encoded);
                        value = Val.ABSENT;
                        facts = null;
                    }
                    long version = versionOf(hk);
                    Raw r = decode(key, it.value());
                    if (asOf.includes(version, r.stored().updatedAt().toEpochMilli())) {
                        value = apply(key, value, r);
                        facts = r.stored();
                    }
                }
                emit(sink, key, value, facts);
            }
        }
    }

    private static void emit(Consumer<Stored> sink, Key key, Val value, Stored facts) {
        if (key != null && value.node() != null) {
            sink.accept(new Stored(key, Json.bytes(value.node()), facts.version(), facts.updatedAt(), value.format(),
                    facts.origin(), facts.actor()));
        }
    }

    private static byte[] concat(byte[] prefix, long version) {
        return ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(version).array();
    }
}
