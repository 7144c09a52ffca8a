package dev.worldstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The guide's persistence API for one world. Obtained from {@link WorldStore#world(String)}; cheap,
 * thread-safe, and needs no closing.
 *
 * <p>Every save appends a change event to Kafka and returns once Kafka acknowledged it, with the
 * key's new version and the event's log position. Every load is a local read that first waits until
 * the projection includes this node's own earlier saves (read-your-writes).
 *
 * <p>Values come back in the shape they were saved: custom fields stay at the top level, and
 * Hyperfy's array forms ({@code position: [x,y,z]}, {@code quaternion: [x,y,z,w]}) stay arrays.
 *
 * <p>A change that changes nothing is no event: a patch whose result equals the value returns the
 * key's unchanged version, and a delete of a key that holds no value throws
 * {@link KeyNotFoundException}; neither adds history or a change-feed event.
 *
 * @throws ValidationException (from every method) for a bad id or value, naming the field and rule
 */
public interface World {

    String id();

    /** A new, empty batch of changes to this world: applied all together or not at all. */
    Batch batch();

    /**
     * The values and versions of many keys of this world, read from one consistent snapshot of the
     * projection (no key is newer than another), after this node's own writes are projected.
     *
     * @param keys keys of this world, at most {@code Scan.MAX_LIMIT}
     * @return one entry per key in request order, empty where the key holds no value
     * @throws ValidationException if a key is of another world or breaks the id rule
     */
    List<Optional<Stored>> readMany(List<Key> keys);

    // ---- player_states -------------------------------------------------------------------

    /** Saves a player's whole state in this world: position, rotation and any custom fields. */
    default Saved savePlayerState(String playerId, JsonNode state) {
        return savePlayerState(playerId, state, Condition.any());
    }

    /** @throws ConflictException when {@code condition} does not hold */
    Saved savePlayerState(String playerId, JsonNode state, Condition condition);

    /** Changes only the fields named in {@code mergePatch} (RFC 7396; {@code null} removes a field). */
    Saved patchPlayerState(String playerId, JsonNode mergePatch, Condition condition);

    /** @return the player's state as saved, empty if none */
    Optional<ObjectNode> loadPlayerState(String playerId);

    /** The player's state and app data (every app), from one consistent snapshot. */
    PlayerData loadPlayerData(String playerId);

    Saved deletePlayerState(String playerId, Condition condition);

    // ---- entity_states -------------------------------------------------------------------

    /** Saves an entity; its {@code id} field is its key. */
    default Saved saveEntity(JsonNode entity) {
        return saveEntity(entity, Condition.any());
    }

    Saved saveEntity(JsonNode entity, Condition condition);

    Saved patchEntity(String entityId, JsonNode mergePatch, Condition condition);

    Optional<ObjectNode> loadEntity(String entityId);

    /** Every entity of the world, in id order. For large worlds page with {@link WorldStore#scan}. */
    List<ObjectNode> loadEntities();

    default Saved deleteEntity(String entityId) {
        return deleteEntity(entityId, Condition.any());
    }

    Saved deleteEntity(String entityId, Condition condition);

    // ---- world_state ---------------------------------------------------------------------

    default Saved saveWorldState(JsonNode state) {
        return saveWorldState(state, Condition.any());
    }

    Saved saveWorldState(JsonNode state, Condition condition);

    Saved patchWorldState(JsonNode mergePatch, Condition condition);

    Optional<ObjectNode> loadWorldState();

    // ---- app_storage ---------------------------------------------------------------------

    /** Saves any JSON value under an app's key, for one player or world-wide ({@code playerId == null}). */
    default Saved saveAppData(String appId, String playerIdOrNull, String key, JsonNode data) {
        return saveAppData(appId, playerIdOrNull, key, data, Condition.any());
    }

    Saved saveAppData(String appId, String playerIdOrNull, String key, JsonNode data, Condition condition);

    Optional<JsonNode> loadAppData(String appId, String playerIdOrNull, String key);

    /** Every key of an app for one player or world-wide, in key order, with its value. */
    Map<String, JsonNode> listAppData(String appId, String playerIdOrNull);

    default Saved deleteAppData(String appId, String playerIdOrNull, String key) {
        return deleteAppData(appId, playerIdOrNull, key, Condition.any());
    }

    Saved deleteAppData(String appId, String playerIdOrNull, String key, Condition condition);
}
