package dev.worldstore;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Changes to one world, applied together or not at all: a world transaction. The batch is one
 * change event in the world's partition; every node's projector decides it in log order, checking
 * each change's condition, and applies all of it in one write or none of it (then
 * {@link BatchConflictException} lists every failing change). History, the change feed and
 * {@code asOf} reads see it as one unit at one log position.
 *
 * <p>Collect changes (each with its own {@link Condition}), then {@link #commit()} or
 * {@link #commitAsync()}. The same key may appear only once; at most {@code batch.max.changes}
 * changes and {@code batch.max.bytes} of JSON. Obtained from {@link World#batch()}. Not
 * thread-safe: build it on one thread; a committed batch can be committed again (a new event).
 */
public final class Batch {
    private final WorldStore store;
    private final String worldId;
    private final List<Change> changes = new ArrayList<>();
    private String actor;
    private String idempotencyKey;

    Batch(WorldStore store, String worldId) {
        this.store = store;
        this.worldId = worldId;
    }

    /** The world every change must belong to. */
    public String worldId() {
        return worldId;
    }

    /**
     * Adds any change of this world (put, merge patch or delete, with its condition). Checked when
     * committed: a key of another world, or a change carrying another actor, is refused then.
     *
     * @throws NullPointerException if {@code change} is null
     */
    public Batch add(Change change) {
        changes.add(Objects.requireNonNull(change, "change"));
        return this;
    }

    /** Who asks for the batch (an API key's name, a user, a server), recorded as the event's actor; {@code null}: the node. */
    public Batch actor(String actor) {
        this.actor = actor;
        return this;
    }

    /**
     * The batch's idempotency key ({@code null}: none): a retry with it after an unknown outcome
     * applies the batch at most once (see {@link Change#withIdempotencyKey}).
     */
    public Batch idempotencyKey(String key) {
        this.idempotencyKey = key;
        return this;
    }

    // ---- the guide's calls, batched --------------------------------------------------------------

    public Batch savePlayerState(String playerId, JsonNode state, Condition condition) {
        return add(new Change(new Key.PlayerState(worldId, playerId), Op.PUT, state, condition, null));
    }

    public Batch patchPlayerState(String playerId, JsonNode mergePatch, Condition condition) {
        return add(new Change(new Key.PlayerState(worldId, playerId), Op.MERGE, mergePatch, condition, null));
    }

    public Batch deletePlayerState(String playerId, Condition condition) {
        return add(new Change(new Key.PlayerState(worldId, playerId), Op.DELETE, null, condition, null));
    }

    /** Saves an entity; its {@code id} field is its key (an entity without a string id is refused at commit). */
    public Batch saveEntity(JsonNode entity, Condition condition) {
        JsonNode id = entity == null ? null : entity.get("id");
        String entityId = id != null && id.isTextual() ? id.asText() : "";
        return add(new Change(new Key.Entity(worldId, entityId), Op.PUT, entity, condition, null));
    }

    public Batch patchEntity(String entityId, JsonNode mergePatch, Condition condition) {
        return add(new Change(new Key.Entity(worldId, entityId), Op.MERGE, mergePatch, condition, null));
    }

    public Batch deleteEntity(String entityId, Condition condition) {
        return add(new Change(new Key.Entity(worldId, entityId), Op.DELETE, null, condition, null));
    }

    public Batch saveWorldState(JsonNode state, Condition condition) {
        return add(new Change(new Key.WorldState(worldId), Op.PUT, state, condition, null));
    }

    public Batch patchWorldState(JsonNode mergePatch, Condition condition) {
        return add(new Change(new Key.WorldState(worldId), Op.MERGE, mergePatch, condition, null));
    }

    /** App data for one player, or world-wide with {@code playerIdOrNull == null}. */
    public Batch saveAppData(String appId, String playerIdOrNull, String key, JsonNode data, Condition condition) {
        return add(new Change(new Key.AppData(worldId, appId, playerIdOrNull, key), Op.PUT, data, condition, null));
    }

    public Batch deleteAppData(String appId, String playerIdOrNull, String key, Condition condition) {
        return add(new Change(new Key.AppData(worldId, appId, playerIdOrNull, key), Op.DELETE, null, condition, null));
    }

    /** The changes collected so far, in order. */
    public List<Change> changes() {
        return List.copyOf(changes);
    }

    public int size() {
        return changes.size();
    }

    /**
     * Appends the batch and waits for its outcome.
     *
     * @throws BatchConflictException if a condition failed (nothing was applied)
     * @throws ValidationException naming {@code changes[i]} and the rule, before anything is appended
     */
    public BatchSaved commit() {
        return store.writeBatch(worldId, changes(), actor, idempotencyKey);
    }

    /** As {@link #commit()}, without waiting; completes exceptionally with the same errors. */
    public CompletableFuture<BatchSaved> commitAsync() {
        return store.writeBatchAsync(worldId, changes(), actor, idempotencyKey);
    }
}
