package dev.worldstore.projector;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.AsOf;
import dev.worldstore.BatchSaved;
import dev.worldstore.Change;
import dev.worldstore.Condition;
import dev.worldstore.ErrorCode;
import dev.worldstore.ForkResult;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Stored;
import dev.worldstore.ValidationException;
import dev.worldstore.WorldExistsException;
import dev.worldstore.WorldStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Copies a world as it was at a point into a new world: the source's snapshot at that point,
 * re-keyed to the target, written as create-only batches (so a concurrent writer to the target
 * makes the fork fail rather than be overwritten), the first batch recording where it came from.
 * Stateless.
 */
final class Fork {
    private Fork() {
    }

    static ForkResult run(WorldStore store, NodeParts parts, String source, String target, AsOf asOf, String actor) {
        // The check reads the projection: first let it include this node's own writes to the target,
        // or a save to it just acknowledged but not yet applied goes unseen and the fork merges into it.
        parts.gate().await(target, ReadConsistency.OWN_WRITES);
        if (parts.history().worldHasHistory(target) || parts.state().holdsAny(target)) {
            throw new WorldExistsException(target);
        }
        LogPosition at = store.resolve(source, asOf).orElseThrow(() -> noData(source, asOf));
        List<Change> changes = new ArrayList<>();
        store.snapshot(source, AsOf.position(at), ReadConsistency.OWN_WRITES, s -> changes.add(copy(s, target, actor)));
        if (changes.isEmpty()) {
            throw noData(source, asOf);
        }
        int maxChanges = parts.config().getInt(dev.worldstore.WorldStoreConfig.BATCH_MAX_CHANGES);
        long maxBytes = parts.config().getInt(dev.worldstore.WorldStoreConfig.BATCH_MAX_BYTES);
        byte[] meta = Json.bytes(meta(source, asOf, at));
        List<Change> batch = new ArrayList<>();
        long bytes = 0;
        int batches = 0;
        LogPosition last = null;
        for (Change c : changes) {
            int size = c.payloadJson() == null ? 0 : c.payloadJson().length;
            if (!batch.isEmpty() && (batch.size() == maxChanges || bytes + size > maxBytes)) {
                last = commit(parts, target, batch, actor, batches == 0 ? meta : null).position();
                batches++;
                batch.clear();
                bytes = 0;
            }
            batch.add(c);
            bytes += size;
        }
        last = commit(parts, target, batch, actor, batches == 0 ? meta : null).position();
        batches++;
        return new ForkResult(target, source, at, changes.size(), batches, last);
    }

    private static BatchSaved commit(NodeParts parts, String target, List<Change> batch, String actor, byte[] meta) {
        return Node.join(parts.writer().writeBatch(target, List.copyOf(batch), actor, meta, null), "a batch of the fork into " + target);
    }

    private static Change copy(Stored s, String target, String actor) {
        List<String> ids = new ArrayList<>(s.key().ids());
        ids.set(0, target);
        Key key = s.key().table().key(ids.toArray(new String[0]));
        return Change.putJson(key, s.jsonBytes()).withCondition(Condition.absent()).withActor(actor);
    }

    private static ObjectNode meta(String source, AsOf asOf, LogPosition at) {
        ObjectNode n = Json.object().put("forkOf", source).put("sourcePosition", at.toString());
        n.put("asOf", asOf.toString());
        return n;
    }

    private static ValidationException noData(String source, AsOf asOf) {
        return new ValidationException(ErrorCode.INVALID_ARGUMENT, "asOf", "world '" + source + "' held nothing at that point ("
                + asOf + "); there is nothing to fork");
    }
}
