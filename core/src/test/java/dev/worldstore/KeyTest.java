package dev.worldstore;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The id rules of keys and scan prefixes, and the per-table facts keys carry. */
class KeyTest {

    private static ValidationException rejected(ErrorCode code, String field, Executable action) {
        ValidationException e = assertThrows(ValidationException.class, action);
        assertEquals(code, e.code(), () -> "code of: " + e.getMessage());
        assertEquals(field, e.field(), () -> "field of: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
        return e;
    }

    // ---- ids ------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"a", "Z9", "world_1", "w-1.2", "ns:world", "user@host", "A-Za-z0-9_.:@$", "$scene"})
    void acceptsIdsOfAllowedCharacters(String id) {
        assertDoesNotThrow(() -> Key.checkWorldId(id));
        assertDoesNotThrow(() -> new Key.Entity(id, id).check());
    }

    @Test
    void acceptsIdOf128Characters() {
        assertDoesNotThrow(() -> new Key.WorldState("w".repeat(128)).check());
    }

    @Test
    void rejectsIdOf129CharactersNamingTheFieldAndLength() {
        ValidationException e = rejected(ErrorCode.INVALID_ID, "worldId",
                () -> new Key.WorldState("w".repeat(129)).check());
        assertTrue(e.getMessage().contains("129 characters"), e.getMessage());
        assertTrue(e.rule().contains("1 to 128"), e.rule());
    }

    @Test
    void rejectsEmptyId() {
        ValidationException e = rejected(ErrorCode.INVALID_ID, "entityId", () -> new Key.Entity("w1", "").check());
        assertTrue(e.getMessage().contains("was empty"), e.getMessage());
    }

    @Test
    void rejectsNullIdAsMissing() {
        ValidationException e = rejected(ErrorCode.INVALID_ID, "worldId", () -> Key.checkWorldId(null));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "a b", "#players", "a#b", "\u00e9", "a\nb", "a\\b", "a,b", " a", "a\u0000", "a&b", "a+b", "a=b", "a;b", "a%24"})
    void rejectsIdsWithForbiddenCharacters(String id) {
        rejected(ErrorCode.INVALID_ID, "worldId", () -> Key.checkWorldId(id));
    }

    @Test
    void namesPlayerIdOfPlayerRegistration() {
        rejected(ErrorCode.INVALID_ID, "playerId", () -> new Key.Player("p/1").check());
    }

    @Test
    void namesWorldIdBeforePlayerIdOfPlayerState() {
        rejected(ErrorCode.INVALID_ID, "worldId", () -> new Key.PlayerState("w 1", "p 1").check());
        rejected(ErrorCode.INVALID_ID, "playerId", () -> new Key.PlayerState("w1", "p 1").check());
    }

    @Test
    void namesEntityId() {
        rejected(ErrorCode.INVALID_ID, "entityId", () -> new Key.Entity("w1", "e#1").check());
    }

    @Test
    void namesAppIdPlayerIdAndKeyOfAppData() {
        rejected(ErrorCode.INVALID_ID, "appId", () -> new Key.AppData("w1", "my/app", null, "k").check());
        rejected(ErrorCode.INVALID_ID, "playerId", () -> new Key.AppData("w1", "app", "p 1", "k").check());
        rejected(ErrorCode.INVALID_ID, "key", () -> new Key.AppData("w1", "app", null, "a b").check());
        rejected(ErrorCode.INVALID_ID, "key", () -> new Key.AppData("w1", "app", "p1", "").check());
    }

    @Test
    void appKeysMayContainSlashesBetweenSegments() {
        assertDoesNotThrow(() -> new Key.AppData("w1", "app", null, "inventory/slot/3").check());
        assertDoesNotThrow(() -> new Key.AppData("w1", "app", "p1", "a.b/..c/d..").check());
        assertDoesNotThrow(() -> new Key.AppData("w1", "hyperfy", null, "blueprints/$scene").check());
    }

    /** Every key must be addressable by exactly one URL: WHATWG URL parsing (fetch, browsers) collapses these spellings. */
    @ParameterizedTest
    @ValueSource(strings = {"/leading", "trailing/", "double//slash", "./x", "x/.", "x/../y", "..", ".", "a/./b"})
    void appKeysWithEmptyOrDotSegmentsAreRefused(String key) {
        rejected(ErrorCode.INVALID_ID, "key", () -> new Key.AppData("w1", "app", null, key).check());
    }

    @ParameterizedTest
    @ValueSource(strings = {".", ".."})
    void idsThatAreDotSegmentsAreRefusedEverywhere(String id) {
        rejected(ErrorCode.INVALID_ID, "worldId", () -> Key.checkWorldId(id));
        rejected(ErrorCode.INVALID_ID, "entityId", () -> new Key.Entity("w1", id).check());
        rejected(ErrorCode.INVALID_ID, "playerId", () -> new Key.Player(id).check());
        assertDoesNotThrow(() -> new Key.Entity("w1", "..." + id).check());
    }

    @Test
    void appKeysMayBe256ButNot257Characters() {
        assertDoesNotThrow(() -> new Key.AppData("w1", "app", null, "k".repeat(256)).check());
        rejected(ErrorCode.INVALID_ID, "key", () -> new Key.AppData("w1", "app", null, "k".repeat(257)).check());
    }

    @Test
    void worldWideAppDataNeedsNoPlayerId() {
        assertDoesNotThrow(() -> new Key.AppData("w1", "app", null, "k").check());
    }

    @Test
    void scanPrefixesAreCheckedNamingTheField() {
        assertDoesNotThrow(() -> new Scan.AppData("w1", "app", null, "").check());
        assertDoesNotThrow(() -> new Scan.AppData("w1", "app", "p1", "inventory/").check());
        rejected(ErrorCode.INVALID_ID, "worldId", () -> new Scan.Entities("w/1").check());
        rejected(ErrorCode.INVALID_ID, "prefix", () -> new Scan.AppData("w1", "app", null, "a b").check());
    }

    // ---- per-table facts -------------------------------------------------------------------

    @Test
    void idsFollowTheTablesIdFieldsAndRebuildTheKey() {
        List<Key> keys = List.of(new Key.Player("p1"), new Key.PlayerState("w1", "p1"), new Key.Entity("w1", "e1"),
                new Key.WorldState("w1"), new Key.AppData("w1", "a1", "p1", "k/1"), new Key.AppData("w1", "a1", null, "k"));
        for (Key k : keys) {
            assertEquals(k.table().idFields().size(), k.ids().size(), k.toString());
            assertEquals(k, k.table().key(k.ids().toArray(new String[0])), "round trip of " + k);
        }
        assertEquals(Arrays.asList("w1", "a1", null, "k"), new Key.AppData("w1", "a1", null, "k").ids());
        assertEquals(List.of("worldId", "entityId"), Table.ENTITY_STATES.idFields());
    }

    @Test
    void aTableRefusesTheWrongNumberOfIds() {
        assertThrows(IllegalArgumentException.class, () -> Table.ENTITY_STATES.key("w1"));
    }

    @Test
    void describeNamesEveryId() {
        assertEquals("world 'w1', app 'a', world-wide, key 'k'", new Key.AppData("w1", "a", null, "k").describe());
        assertEquals("world 'w1', entity 'e'", new Key.Entity("w1", "e").describe());
    }
}
