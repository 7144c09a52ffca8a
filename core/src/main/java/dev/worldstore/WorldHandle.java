package dev.worldstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The guide's per-world API, expressed in the store's generic operations. Stateless beyond its ids; thread-safe. */
final class WorldHandle implements World {
    private final WorldStore store;
    private final String worldId;

    WorldHandle(WorldStore store, String worldId) {
        Key.checkWorldId(worldId);
        this.store = store;
        this.worldId = worldId;
    }

    @Override
    public String id() {
        return worldId;
    }

    @Override
    public Batch batch() {
        return new Batch(store, worldId);
    }

    @Override
    public List<Optional<Stored>> readMany(List<Key> keys) {
        return store.readMany(worldId, keys, ReadConsistency.OWN_WRITES);
    }

    private Saved write(Key key, Op op, JsonNode payload, Condition condition) {
        return store.write(new Change(key, op, payload, condition, null));
    }

    private Optional<JsonNode> load(Key key) {
        return store.read(key, ReadConsistency.OWN_WRITES).map(Stored::value);
    }

    private Optional<ObjectNode> loadObject(Key key) {
        return load(key).map(v -> (ObjectNode) v);
    }

    private static JsonNode required(String field, JsonNode value) {
        if (value == null) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, field, "must be given");
        }
        return value;
    }

    @Override
    public Saved savePlayerState(String playerId, JsonNode state, Condition condition) {
        return write(new Key.PlayerState(worldId, playerId), Op.PUT, required("state", state), condition);
    }

    @Override
    public Saved patchPlayerState(String playerId, JsonNode mergePatch, Condition condition) {
        return write(new Key.PlayerState(worldId, playerId), Op.MERGE, required("patch", mergePatch), condition);
    }

    @Override
    public Optional<ObjectNode> loadPlayerState(String playerId) {
        return loadObject(new Key.PlayerState(worldId, playerId));
    }

    @Override
    public PlayerData loadPlayerData(String playerId) {
        return store.readPlayerData(worldId, playerId, ReadConsistency.OWN_WRITES);
    }

    @Override
    public Saved deletePlayerState(String playerId, Condition condition) {
        return write(new Key.PlayerState(worldId, playerId), Op.DELETE, null, condition);
    }

    @Override
    public Saved saveEntity(JsonNode entity, Condition condition) {
        required("entity", entity);
        JsonNode id = entity.get("id");
        if (id == null || !id.isTextual()) {
            throw new ValidationException(ErrorCode.INVALID_SHAPE, "id", "an entity needs a string id");
        }
        return write(new Key.Entity(worldId, id.asText()), Op.PUT, entity, condition);
    }

    @Override
    public Saved patchEntity(String entityId, JsonNode mergePatch, Condition condition) {
        return write(new Key.Entity(worldId, entityId), Op.MERGE, required("patch", mergePatch), condition);
    }

    @Override
    public Optional<ObjectNode> loadEntity(String entityId) {
        return loadObject(new Key.Entity(worldId, entityId));
    }

    @Override
    public List<ObjectNode> loadEntities() {
        List<ObjectNode> all = new ArrayList<>();
        String after = null;
        ReadConsistency consistency = ReadConsistency.OWN_WRITES;
        do {
            Page page = store.scan(new Scan(new Scan.Entities(worldId), after, Scan.MAX_LIMIT), consistency);
            page.items().forEach(e -> all.add((ObjectNode) e.stored().value()));
            after = page.next().orElse(null);
            consistency = ReadConsistency.LOCAL;
        } while (after != null);
        return all;
    }

    @Override
    public Saved deleteEntity(String entityId, Condition condition) {
        return write(new Key.Entity(worldId, entityId), Op.DELETE, null, condition);
    }

    @Override
    public Saved saveWorldState(JsonNode state, Condition condition) {
        return write(new Key.WorldState(worldId), Op.PUT, required("state", state), condition);
    }

    @Override
    public Saved patchWorldState(JsonNode mergePatch, Condition condition) {
        return write(new Key.WorldState(worldId), Op.MERGE, required("patch", mergePatch), condition);
    }

    @Override
    public Optional<ObjectNode> loadWorldState() {
        return loadObject(new Key.WorldState(worldId));
    }

    @Override
    public Saved saveAppData(String appId, String playerIdOrNull, String key, JsonNode data, Condition condition) {
        return write(new Key.AppData(worldId, appId, playerIdOrNull, key), Op.PUT, required("data", data), condition);
    }

    @Override
    public Optional<JsonNode> loadAppData(String appId, String playerIdOrNull, String key) {
        return load(new Key.AppData(worldId, appId, playerIdOrNull, key));
    }

    @Override
    public Map<String, JsonNode> listAppData(String appId, String playerIdOrNull) {
        Map<String, JsonNode> all = new LinkedHashMap<>();
        String after = null;
        ReadConsistency consistency = ReadConsistency.OWN_WRITES;
        do {
            Page page = store.scan(new Scan(new Scan.AppData(worldId, appId, playerIdOrNull, ""), after, Scan.MAX_LIMIT), consistency);
            page.items().forEach(e -> all.put(((Key.AppData) e.key()).key(), e.stored().value()));
            after = page.next().orElse(null);
            consistency = ReadConsistency.LOCAL;
        } while (after != null);
        return all;
    }

    @Override
    public Saved deleteAppData(String appId, String playerIdOrNull, String key, Condition condition) {
        return write(new Key.AppData(worldId, appId, playerIdOrNull, key), Op.DELETE, null, condition);
    }
}
