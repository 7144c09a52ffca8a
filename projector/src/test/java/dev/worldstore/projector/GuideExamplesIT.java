package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Condition;
import dev.worldstore.ConflictException;
import dev.worldstore.ErrorCode;
import dev.worldstore.Key;
import dev.worldstore.PlayerRecord;
import dev.worldstore.Saved;
import dev.worldstore.Stored;
import dev.worldstore.UsernameTakenException;
import dev.worldstore.ValidationException;
import dev.worldstore.World;
import dev.worldstore.WorldStore;
import dev.worldstore.Json;
import dev.worldstore.testing.TestKafka;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The guide's examples, run against a real broker and a real RocksDB projection. */
class GuideExamplesIT {
    private static StoreFixture fixture;
    private static WorldStore store;

    @BeforeAll
    static void open() {
        fixture = new StoreFixture();
        store = fixture.open();
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    private static World newWorld() {
        return store.world(TestKafka.uniqueName("world"));
    }

    static final String RPG_PLAYER = dev.worldstore.testing.GuideExamples.RPG_PLAYER;

    @Test
    void playerStateWithCustomRpgFieldsLoadsBackExactly() {
        // given
        World world = newWorld();
        JsonNode saved = Json.parse(RPG_PLAYER);
        // when
        Saved result = world.savePlayerState("player-1", saved);
        ObjectNode loaded = world.loadPlayerState("player-1").orElseThrow();
        // then
        assertEquals(saved, loaded);
        assertEquals(100, loaded.get("health").asInt());
        assertEquals("potion", loaded.get("inventory").get(1).get("itemId").asText());
        assertEquals(result.version(), store.read(new Key.PlayerState(world.id(), "player-1")).orElseThrow().version());
    }

    @Test
    void theGuidesMigrationPatternReadsModifiesAndSaves() {
        World world = newWorld();
        ObjectNode state = world.loadPlayerState("p").orElse(Json.object());
        state.withArray("inventory").add(Json.object().put("itemId", 123).put("quantity", 1));
        world.savePlayerState("p", state);
        assertEquals(123, world.loadPlayerState("p").orElseThrow().get("inventory").get(0).get("itemId").asInt());
    }

    @Test
    void absentPlayerStateLoadsEmpty() {
        assertTrue(newWorld().loadPlayerState("nobody").isEmpty());
    }

    @Test
    void mergePatchChangesOnlyTheGivenFields() {
        World world = newWorld();
        world.savePlayerState("p", Json.parse(RPG_PLAYER));
        world.patchPlayerState("p", Json.parse("{\"position\":{\"x\":1,\"y\":2,\"z\":3},\"mana\":null}"), Condition.any());
        ObjectNode loaded = world.loadPlayerState("p").orElseThrow();
        assertEquals(Json.parse("{\"x\":1,\"y\":2,\"z\":3}"), loaded.get("position"));
        assertFalse(loaded.has("mana"));
        assertEquals(Json.parse(RPG_PLAYER).get("inventory"), loaded.get("inventory"));
    }

    @Test
    void hyperfyEntityArraysRoundTripAsSaved() {
        World world = newWorld();
        JsonNode entity = Json.parse("""
                {"id":"e1","type":"app","blueprint":"b1","position":[1.5,2,3],"quaternion":[0,0,0,1],"scale":[1,1,1],
                 "mover":null,"uploader":null,"pinned":false,"state":{"open":true},
                 "components":{"rigidbody":{"mass":2}},"metadata":{"type":"door","name":"Front door"}}""");
        world.saveEntity(entity);
        assertEquals(entity, world.loadEntity("e1").orElseThrow());
    }

    @Test
    void loadEntitiesReturnsEveryEntityOfTheWorldOnly() {
        World world = newWorld();
        World other = newWorld();
        for (int i = 0; i < 25; i++) {
            world.saveEntity(Json.object().put("id", "e" + i).set("position", Json.parse("[0,0,0]")));
        }
        other.saveEntity(Json.object().put("id", "x"));
        world.deleteEntity("e3");
        List<ObjectNode> all = world.loadEntities();
        assertEquals(24, all.size());
        assertTrue(all.stream().noneMatch(e -> e.get("id").asText().equals("e3") || e.get("id").asText().equals("x")));
        assertTrue(world.loadEntity("e3").isEmpty());
    }

    @Test
    void worldStateIsWrittenAndLoaded() {
        World world = newWorld();
        JsonNode state = Json.parse("""
                {"time":"day","weather":"sunny","npcs":[{"id":"merchant","position":{"x":0,"y":0,"z":0}}],
                 "quests":{"main_quest":{"stage":3,"completed":false}},"metadata":{"version":2,"settings":{"pvp":true}}}""");
        world.saveWorldState(state);
        assertEquals(state, world.loadWorldState().orElseThrow());
    }

    @Test
    void appDataIsPerPlayerOrWorldWideAndAppsAreIsolated() {
        World world = newWorld();
        JsonNode character = Json.parse("{\"class\":\"warrior\",\"level\":25,\"equipment\":{\"head\":\"helm\"}}");
        JsonNode settings = Json.parse("{\"difficulty\":\"hard\",\"pvpEnabled\":true}");
        world.saveAppData("my-rpg-app", "player-1", "character", character);
        world.saveAppData("my-rpg-app", null, "settings", settings);
        world.saveAppData("other-app", null, "settings", Json.parse("42"));

        assertEquals(character, world.loadAppData("my-rpg-app", "player-1", "character").orElseThrow());
        assertEquals(settings, world.loadAppData("my-rpg-app", null, "settings").orElseThrow());
        assertTrue(world.loadAppData("my-rpg-app", null, "character").isEmpty());
        assertTrue(world.loadAppData("my-rpg-app", "player-2", "character").isEmpty());
        assertEquals(Map.of("settings", settings), world.listAppData("my-rpg-app", null));
        assertEquals(Map.of("character", character), world.listAppData("my-rpg-app", "player-1"));
        assertEquals(Map.of("settings", Json.parse("42")), world.listAppData("other-app", null));

        world.deleteAppData("my-rpg-app", "player-1", "character");
        assertTrue(world.loadAppData("my-rpg-app", "player-1", "character").isEmpty());
    }

    @Test
    void createOnlyAndExpectedVersionConditionsAreEnforced() {
        World world = newWorld();
        Saved first = world.saveWorldState(Json.parse("{\"n\":1}"), Condition.absent());
        ConflictException exists = assertThrows(ConflictException.class,
                () -> world.saveWorldState(Json.parse("{\"n\":2}"), Condition.absent()));
        assertEquals(ErrorCode.ALREADY_EXISTS, exists.code());
        assertEquals(first.version(), exists.actualVersion().getAsLong());

        Saved second = world.saveWorldState(Json.parse("{\"n\":2}"), Condition.version(first.version()));
        assertTrue(second.version() > first.version());
        ConflictException stale = assertThrows(ConflictException.class,
                () -> world.saveWorldState(Json.parse("{\"n\":3}"), Condition.version(first.version())));
        assertEquals(ErrorCode.VERSION_CONFLICT, stale.code());
        assertEquals(second.version(), stale.actualVersion().getAsLong());
        assertTrue(stale.getMessage().contains("version=" + first.version()), stale.getMessage());
        assertEquals(2, world.loadWorldState().orElseThrow().get("n").asInt());
    }

    @Test
    void expectedVersionOnAbsentKeyConflictsNamingAbsence() {
        World world = newWorld();
        ConflictException e = assertThrows(ConflictException.class,
                () -> world.saveEntity(Json.object().put("id", "e"), Condition.version(5)));
        assertTrue(e.actualVersion().isEmpty());
        assertTrue(world.loadEntity("e").isEmpty());
    }

    @Test
    void invalidInputIsRejectedNamingFieldAndRule() {
        World world = newWorld();
        ValidationException shape = assertThrows(ValidationException.class,
                () -> world.savePlayerState("p", Json.parse("{\"position\":[1,2]}")));
        assertEquals(ErrorCode.INVALID_SHAPE, shape.code());
        assertEquals("position", shape.field());
        ValidationException id = assertThrows(ValidationException.class,
                () -> world.savePlayerState("bad/id", Json.object()));
        assertEquals(ErrorCode.INVALID_ID, id.code());
        assertEquals("playerId", id.field());
        assertThrows(ValidationException.class, () -> store.world("no spaces"));
    }

    @Test
    void oneMegabyteStateRoundTrips() {
        World world = newWorld();
        ObjectNode big = Json.object();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 1_000_000; i++) {
            sb.append("chunk-").append(i).append(';');
        }
        big.put("blob", sb.toString());
        big.set("position", Json.parse("[1,2,3]"));
        world.savePlayerState("whale", big);
        assertEquals(big, world.loadPlayerState("whale").orElseThrow());
    }

    @Test
    void usernamesAreUniqueCaseInsensitively() {
        String name = TestKafka.uniqueName("Alice");
        PlayerRecord alice = store.registerPlayer(null, name);
        assertThrows(UsernameTakenException.class, () -> store.registerPlayer(null, name.toUpperCase(java.util.Locale.ROOT)));
        assertEquals(alice.id(), store.playerByUsername(name.toLowerCase(java.util.Locale.ROOT)).orElseThrow().id());
        PlayerRecord loaded = store.player(alice.id()).orElseThrow();
        assertEquals(name, loaded.username());
        assertEquals(alice.createdAt(), loaded.createdAt());
    }

    @Test
    void registeringATakenIdConflicts() {
        String id = TestKafka.uniqueName("pid");
        store.registerPlayer(id, TestKafka.uniqueName("bob"));
        ConflictException e = assertThrows(ConflictException.class, () -> store.registerPlayer(id, TestKafka.uniqueName("carol")));
        assertEquals(ErrorCode.ALREADY_EXISTS, e.code());
    }

    @Test
    void lastSeenMovesWithPlayerActivityAndCreatedAtStays() {
        PlayerRecord p = store.registerPlayer(null, TestKafka.uniqueName("dave"));
        World world = newWorld();
        world.savePlayerState(p.id(), Json.object().put("health", 1));
        PlayerRecord later = store.player(p.id()).orElseThrow();
        assertEquals(p.createdAt(), later.createdAt());
        assertFalse(later.lastSeen().isBefore(p.createdAt()));
        Stored state = store.read(new Key.PlayerState(world.id(), p.id())).orElseThrow();
        assertEquals(state.updatedAt(), later.lastSeen());
    }
}
