package dev.worldstore.projector;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.CorruptDataException;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Page;
import dev.worldstore.PlayerData;
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

    /** Many keys from one consistent snapshot of the projection, in request order (empty where absent). */
    List<Optional<Stored>> readMany(List<Key> keys) {
        List<Cf> cfs = new ArrayList<>(keys.size());
        List<byte[]> encoded = new ArrayList<>(keys.size());
        for (Key k : keys) {
            cfs.add(Cf.of(k.table()));
            encoded.add(KeyCodec.encode(k));
        }
        List<byte[]> values = projection.getConsistent(cfs, encoded);
        List<Optional<Stored>> out = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            byte[] v = values.get(i);
            out.add(v == null ? Optional.empty() : Optional.of(upgrade(StoredCodec.decode(keys.get(i), v))));
        }
        return out;
    }

    /**
     * The player's state and app data of every app, from one snapshot. App data is laid out world,
     * app, player, key, so the player's keys of each app are contiguous: one seek per app, then the
     * player's keys, then a seek past the app.
     */
    PlayerData readPlayerData(String worldId, String playerId) {
        Key.PlayerState stateKey = new Key.PlayerState(worldId, playerId);
        return projection.withSnapshot(ro -> {
            byte[] state = projection.get(Cf.PLAYER_STATES, ro, KeyCodec.encode(stateKey));
            List<Stored> apps = new ArrayList<>();
            byte[] world = KeyCodec.join(worldId, "");
            try (RocksIterator it = projection.iterator(Cf.APP_STORAGE, ro)) {
                it.seek(world);
                while (it.isValid() && KeyCodec.startsWith(it.key(), world)) {
                    String appId = KeyCodec.parts(it.key()).get(1);
                    byte[] mine = KeyCodec.join(worldId, appId, playerId, "");
                    for (it.seek(mine); it.isValid() && KeyCodec.startsWith(it.key(), mine); it.next()) {
                        Key key = KeyCodec.decode(Table.APP_STORAGE, it.key());
                        apps.add(upgrade(StoredCodec.decode(key, it.value())));
                    }
                    // past this app: its id followed by the byte after the separator
                    byte[] next = KeyCodec.join(worldId, appId);
                    next = java.util.Arrays.copyOf(next, next.length + 1);
                    next[next.length - 1] = 1;
                    it.seek(next);
                }
            }
            return new PlayerData(worldId, playerId, state == null ? Optional.empty()
                    : Optional.of(upgrade(StoredCodec.decode(stateKey, state))), apps);
        });
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

    /** True if the world holds any current key (its state, an entity, a player state or app data). */
    boolean holdsAny(String worldId) {
        if (read(new Key.WorldState(worldId)).isPresent()) {
            return true;
        }
        byte[] prefix = (worldId + "\0").getBytes(StandardCharsets.UTF_8);
        for (Table table : List.of(Table.ENTITY_STATES, Table.PLAYER_STATES, Table.APP_STORAGE)) {
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(Cf.of(table), ro)) {
                it.seek(prefix);
                if (it.isValid() && KeyCodec.startsWith(it.key(), prefix)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Counts of {@code worldId}'s current keys (one pass over them); {@code history} as the caller found it. */
    dev.worldstore.WorldSummary summary(String worldId, boolean history) {
        byte[] prefix = (worldId + "\0").getBytes(StandardCharsets.UTF_8);
        long[] counts = new long[3];
        List<Table> tables = List.of(Table.ENTITY_STATES, Table.PLAYER_STATES, Table.APP_STORAGE);
        for (int i = 0; i < tables.size(); i++) {
            try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(Cf.of(tables.get(i)), ro)) {
                for (it.seek(prefix); it.isValid() && KeyCodec.startsWith(it.key(), prefix); it.next()) {
                    counts[i]++;
                }
            }
        }
        boolean state = projection.get(Cf.WORLD_STATE, KeyCodec.encode(new Key.WorldState(worldId))) != null;
        return new dev.worldstore.WorldSummary(worldId, counts[0], counts[1], counts[2], state, history);
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
