package dev.worldstore.projector;

import dev.worldstore.AsOf;
import dev.worldstore.ErrorCode;
import dev.worldstore.HistoryPage;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Page;
import dev.worldstore.PlayerData;
import dev.worldstore.PlayerRecord;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Scan;
import dev.worldstore.Stored;
import dev.worldstore.Usernames;
import dev.worldstore.ValidationException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The reads of a {@link Node}, as {@link dev.worldstore.WorldStore} defines them: each checks its
 * arguments, then, inside the node's gate, waits for the consistency asked for ({@link ReadGate})
 * and reads the state ({@link StateReader}) or its history ({@link HistoryReader}, with points in
 * time resolved by {@link LogPositions}). Thread-safe.
 */
final class NodeReads {
    static final int MAX_HISTORY_PAGE = 1000;

    private final NodeParts parts;
    private final Operations.UseGateCall use;
    private final Operations operations;

    NodeReads(NodeParts parts, Operations.UseGateCall use, Operations operations) {
        this.parts = parts;
        this.use = use;
        this.operations = operations;
    }

    // ---- state ----------------------------------------------------------------------------------

    Optional<Stored> read(Key key, ReadConsistency consistency) {
        key.check();
        return use.apply(() -> {
            parts.gate().await(key.worldId(), consistency);
            return parts.state().read(key);
        });
    }

    List<Optional<Stored>> readMany(String worldId, List<Key> keys, ReadConsistency consistency) {
        Key.checkWorldId(worldId);
        if (keys.isEmpty() || keys.size() > Scan.MAX_LIMIT) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "keys", "must hold 1 to " + Scan.MAX_LIMIT + " keys, held "
                    + keys.size());
        }
        for (int i = 0; i < keys.size(); i++) {
            Key k = keys.get(i);
            if (!worldId.equals(k.worldId())) {
                throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "keys[" + i + "]", "must be a key of world '" + worldId
                        + "', was " + k.describe());
            }
            try {
                k.check();
            } catch (ValidationException e) {
                throw new ValidationException(e.code(), "keys[" + i + "]." + e.field(), e.rule());
            }
        }
        return use.apply(() -> {
            parts.gate().await(worldId, consistency);
            return parts.state().readMany(keys);
        });
    }

    Page scan(Scan scan, ReadConsistency consistency) {
        scan.prefix().check();
        return use.apply(() -> {
            parts.gate().await(scan.prefix().worldId(), consistency);
            return parts.state().scan(scan);
        });
    }

    Optional<PlayerRecord> player(String playerId, ReadConsistency consistency) {
        Key.Player key = new Key.Player(playerId);
        key.check();
        return use.apply(() -> {
            parts.gate().awaitAll(consistency);
            return parts.state().player(key);
        });
    }

    Optional<PlayerRecord> playerByUsername(String username, ReadConsistency consistency) {
        String normalized = Usernames.normalize(username);
        return use.apply(() -> {
            parts.gate().awaitAll(consistency);
            return parts.state().playerByUsername(normalized);
        });
    }

    PlayerData readPlayerData(String worldId, String playerId, ReadConsistency consistency) {
        new Key.PlayerState(worldId, playerId).check();
        return use.apply(() -> {
            parts.gate().await(worldId, consistency);
            return parts.state().readPlayerData(worldId, playerId);
        });
    }

    // ---- history --------------------------------------------------------------------------------

    HistoryPage history(Key key, long before, int limit, boolean withResult, ReadConsistency consistency) {
        key.check();
        if (limit < 1 || limit > MAX_HISTORY_PAGE) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "limit", "must be between 1 and " + MAX_HISTORY_PAGE
                    + ", was " + limit);
        }
        if (before < 0) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "before", "must be a version (>= 0), was " + before);
        }
        return use.apply(() -> {
            parts.gate().await(key.worldId(), consistency);
            return parts.history().history(key, before, limit, withResult);
        });
    }

    Optional<Stored> readAsOf(Key key, AsOf asOf, ReadConsistency consistency) {
        key.check();
        return use.apply(() -> {
            // wait first: an instant resolves against the event times this node has applied
            parts.gate().await(key.worldId(), consistency);
            Optional<LogPosition> last = lastIncluded(key.worldId(), asOf);
            return last.flatMap(p -> parts.history().readAsOf(key, p.offset())).map(parts.state()::upgrade);
        });
    }

    void snapshot(String worldId, AsOf asOf, ReadConsistency consistency, Consumer<Stored> sink) {
        Key.checkWorldId(worldId);
        use.apply(() -> {
            parts.gate().await(worldId, consistency);
            Optional<LogPosition> last = lastIncluded(worldId, asOf);
            last.ifPresent(p -> parts.history().snapshot(worldId, p.offset(), s -> sink.accept(parts.state().upgrade(s))));
            return null;
        });
    }

    Optional<LogPosition> resolve(String worldId, AsOf asOf) {
        Key.checkWorldId(worldId);
        return use.apply(() -> lastIncluded(worldId, asOf));
    }

    /**
     * {@link #resolve} for a checked world id, or {@code null} for the players partition. A
     * position must be in the log (else 400) and is waited for like a read-your-writes position,
     * so a read as of it answers the same on every node, every time.
     */
    private Optional<LogPosition> lastIncluded(String worldId, AsOf asOf) {
        Optional<LogPosition> last = parts.positions().lastIncluded(parts.partitioning().of(worldId), asOf, "asOf");
        if (asOf instanceof AsOf.AtPosition p) {
            parts.positions().checkWritten(p.position(), "asOf");
            parts.gate().await(worldId, ReadConsistency.atLeast(p.position()));
        }
        return last;
    }

    // ---- worlds (the console's world list and timeline) -----------------------------------------

    List<String> worldIds(String after, int limit) {
        if (limit < 1 || limit > Scan.MAX_LIMIT) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "limit", "must be between 1 and " + Scan.MAX_LIMIT + ", was "
                    + limit);
        }
        return use.apply(() -> parts.history().worldIds(after, limit));
    }

    dev.worldstore.WorldSummary worldSummary(String worldId, ReadConsistency consistency) {
        Key.checkWorldId(worldId);
        return use.apply(() -> {
            parts.gate().await(worldId, consistency);
            return parts.state().summary(worldId, parts.history().worldHasHistory(worldId));
        });
    }

    dev.worldstore.WorldTimeline timeline(String worldId, int buckets, ReadConsistency consistency) {
        Key.checkWorldId(worldId);
        if (buckets < 1 || buckets > 2_000) {
            throw new ValidationException(ErrorCode.INVALID_ARGUMENT, "buckets", "must be between 1 and 2000, was " + buckets);
        }
        return use.apply(() -> {
            parts.gate().await(worldId, consistency);
            return parts.history().timeline(worldId, operations.partitionOf(worldId), buckets);
        });
    }
}
