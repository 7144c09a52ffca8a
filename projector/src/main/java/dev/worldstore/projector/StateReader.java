package dev.worldstore.projector;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.CorruptDataException;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Page;
import dev.worldstore.PlayerRecord;
import dev.worldstore.Scan;
import dev.worldstore.Stored;
import dev.worldstore.Table;
import dev.worldstore.Upgraders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;

/**
 * Reads of the projection's current state: point reads, pages of keys (the iterator paging next to
 * the RocksDB code), players and whole worlds. Values are returned as the bytes RocksDB gave (a
 * slice, not a copy), upgraded to the table's current data format only when written in an older
 * one. Consistency waits are the caller's ({@link ReadGate}). Thread-safe.
 */
final class StateReader {
    private final RocksProjection projection;
    private final Upgraders upgraders;
    private final int playersPartition;

    StateReader(RocksProjection projection, Upgraders upgraders, int playersPartition) {
        this.projection = projection;
        this.upgraders = upgraders;
        this.playersPartition = playersPartition;
    }

    Optional<Stored> read(Key key) {
        byte[] v = projection.get(Cf.of(key.table()), KeyCodec.encode(key));
        return v == null ? Optional.empty() : Optional.of(upgrade(StoredCodec.decode(key, v)));
    }

    /** One page of {@code scan}'s keys in key order; memory bounded by the page. */
    Page scan(Scan scan) {
        Scan.Prefix p = scan.prefix();
        byte[] prefix = KeyCodec.prefix(p);
        List<Page.Entry> items = new ArrayList<>();
        String next = null;
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(Cf.of(p.table()), ro)) {
            if (scan.after() == null) {
                it.seek(prefix);
            } else {
                byte[] from = KeyCodec.concat(KeyCodec.scope(p), scan.after().getBytes(StandardCharsets.UTF_8));
                it.seek(from);
                if (it.isValid() && Arrays.equals(it.key(), from)) {
                    it.next();
                }
            }
            for (; it.isValid() && KeyCodec.startsWith(it.key(), prefix); it.next()) {
                if (items.size() == scan.limit()) {
                    Key last = items.get(items.size() - 1).key();
                    next = last.id(last.table().idFields().size() - 1);
                    break;
                }
                Key key = p.keyOf(KeyCodec.lastPart(it.key()));
                items.add(new Page.Entry(key, upgrade(StoredCodec.decode(key, it.value()))));
            }
        }
        return new Page(items, Optional.ofNullable(next));
    }

    /** Every current key of a world: world state, entities, player states, app data, each in key order. */
    void streamWorld(String worldId, Consumer<Stored> sink) {
        read(new Key.WorldState(worldId)).ifPresent(sink);
        byte[] prefix = (worldId + "\0").getBytes(StandardCharsets.UTF_8);
        for (Table table : List.of(Table.ENTITY_STATES, Table.PLAYER_STATES, Table.APP_STORAGE)) {
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(Cf.of(table), ro)) {
                for (it.seek(prefix); it.isValid() && KeyCodec.startsWith(it.key(), prefix); it.next()) {
                    Key key = KeyCodec.decode(table, it.key());
                    sink.accept(upgrade(StoredCodec.decode(key, it.value())));
                }
            }
        }
    }

    Optional<PlayerRecord> player(Key.Player key) {
        return read(key).map(s -> toPlayer(key, s));
    }

    /** @param normalized the username as {@link Validator#normalizeUsername} folds it */
    Optional<PlayerRecord> playerByUsername(String normalized) {
        byte[] id = projection.get(Cf.USERNAMES, normalized.getBytes(StandardCharsets.UTF_8));
        if (id == null) {
            return Optional.empty();
        }
        return player(new Key.Player(new String(id, StandardCharsets.UTF_8)));
    }

    private PlayerRecord toPlayer(Key.Player key, Stored s) {
        JsonNode v = s.value();
        Instant created;
        try {
            created = Instant.parse(v.path("createdAt").asText());
        } catch (RuntimeException e) {
            throw new CorruptDataException(key, "createdAt is not an instant", e);
        }
        byte[] seen = projection.get(Cf.LAST_SEEN, key.playerId().getBytes(StandardCharsets.UTF_8));
        Instant lastSeen = seen == null || seen.length != 8 ? created : Instant.ofEpochMilli(ByteBuffer.wrap(seen).getLong());
        if (lastSeen.isBefore(created)) {
            lastSeen = created;
        }
        return new PlayerRecord(key.playerId(), v.path("username").asText(), created, lastSeen, s.version(),
                new LogPosition(playersPartition, s.version()));
    }

    /** The value in its table's current data format (upgraded on the fly if written in an older one). */
    Stored upgrade(Stored s) {
        Table table = s.key().table();
        int current = upgraders.current(table);
        if (s.formatVersion() >= current) {
            return s;
        }
        return Stored.ofTree(s.key(), upgraders.upgrade(table, s.formatVersion(), s.value()), s.version(), s.updatedAt(), current,
                s.origin(), s.actor());
    }
}
