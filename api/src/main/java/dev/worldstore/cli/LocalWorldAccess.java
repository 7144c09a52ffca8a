package dev.worldstore.cli;

import dev.worldstore.AsOf;
import dev.worldstore.BatchConflictException;
import dev.worldstore.BatchSaved;
import dev.worldstore.Change;
import dev.worldstore.ConflictException;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.PlayerRecord;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.Stored;
import dev.worldstore.UsernameTakenException;
import dev.worldstore.ValidationException;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@link WorldAccess} through a node of this process: its Java API, writes recorded as {@code actor}. */
final class LocalWorldAccess implements WorldAccess {
    private static final Pattern CHANGE_INDEX = Pattern.compile("^changes\\[(\\d+)]");

    private final WorldStore store;
    private final String actor;
    private final String where;
    private final boolean owned;

    /**
     * @param owned close the store with this access
     */
    LocalWorldAccess(WorldStore store, String actor, String where, boolean owned) {
        this.store = store;
        this.actor = actor;
        this.where = where;
        this.owned = owned;
    }

    @Override
    public String describe() {
        return where;
    }

    @Override
    public String actor() {
        return actor;
    }

    @Override
    public boolean worldHasVersions() {
        return true;
    }

    @Override
    public List<String> world(String worldId, AsOf asOf, Consumer<Current> sink) {
        AsOf at = asOf;
        ReadConsistency consistency = ReadConsistency.OWN_WRITES;
        if (at == null) {
            LogPosition end = store.endOf(worldId);
            if (end.offset() == 0) {
                return List.of(); // nothing was ever written to the world's partition
            }
            LogPosition last = new LogPosition(end.partition(), end.offset() - 1);
            at = AsOf.position(last);
            consistency = ReadConsistency.atLeast(last);
        }
        store.snapshot(worldId, at, consistency, s -> sink.accept(new Current(s.key(), s.value(), s.version(), s.updatedAt())));
        return List.of();
    }

    @Override
    public List<Current> read(String worldId, List<Key> keys) {
        List<Optional<Stored>> found = store.readMany(worldId, keys, ReadConsistency.OWN_WRITES);
        List<Current> out = new ArrayList<>(found.size());
        for (Optional<Stored> s : found) {
            out.add(s.map(v -> new Current(v.key(), v.value(), v.version(), v.updatedAt())).orElse(null));
        }
        return out;
    }

    @Override
    public BatchResult writeBatch(String worldId, List<Change> changes, String idempotencyKey) {
        try {
            BatchSaved saved = store.writeBatch(worldId, changes, actor, idempotencyKey);
            return new Applied(saved.saved().stream().anyMatch(Saved::replayed), saved.position());
        } catch (BatchConflictException e) {
            return new Conflict(e.failures().stream().map(BatchConflictException.Failure::index).toList());
        } catch (ValidationException e) {
            Matcher m = CHANGE_INDEX.matcher(e.field() == null ? "" : e.field());
            if (m.find()) {
                return new Invalid(Integer.parseInt(m.group(1)), e.field(), e.rule());
            }
            return new Failed(e.getMessage());
        } catch (WorldStoreException.TransientException e) {
            return new Retry(e.getMessage());
        } catch (WorldStoreException e) {
            return new Failed(e.getMessage());
        }
    }

    @Override
    public Optional<String> player(String playerId) {
        return store.player(playerId).map(PlayerRecord::username);
    }

    @Override
    public Registered register(String playerId, String username) {
        try {
            store.registerPlayer(playerId, username);
            return Registered.REGISTERED;
        } catch (UsernameTakenException e) {
            return Registered.USERNAME_TAKEN;
        } catch (ConflictException e) {
            return Registered.ID_TAKEN;
        } catch (ValidationException e) {
            return Registered.INVALID;
        } catch (WorldStoreException.TransientException e) {
            return Registered.UNAVAILABLE;
        }
    }

    @Override
    public void close() {
        if (owned) {
            store.close();
        }
    }
}
