package dev.worldstore.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.worldstore.Change;
import dev.worldstore.ErrorCode;
import dev.worldstore.Key;
import dev.worldstore.Scan;
import dev.worldstore.ValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValidatorTest {

    private static final int MAX = 64 * 1024;
    private final Validator validator = new Validator(MAX);

    private static final Key.PlayerState PLAYER_STATE = new Key.PlayerState("w1", "p1");
    private static final Key.Entity ENTITY = new Key.Entity("w1", "e1");
    private static final Key.WorldState WORLD = new Key.WorldState("w1");
    private static final Key.AppData APP = new Key.AppData("w1", "app1", null, "k1");

    private static JsonNode json(String text) {
        return Json.parseTrusted(text);
    }

    private static ValidationException rejected(ErrorCode code, String field, Executable action) {
        ValidationException e = assertThrows(ValidationException.class, action);
        assertEquals(code, e.code(), () -> "code of: " + e.getMessage());
        assertEquals(field, e.field(), () -> "field of: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
        return e;
    }

    private ValidationException rejectedPut(Key key, String value, String field) {
        return rejected(ErrorCode.INVALID_SHAPE, field, () -> validator.check(Change.put(key, json(value))));
    }

    private ValidationException rejectedMerge(Key key, String patch, String field) {
        return rejected(ErrorCode.INVALID_SHAPE, field, () -> validator.check(Change.merge(key, json(patch))));
    }

    private byte[] accepted(Change change) {
        return assertDoesNotThrow(() -> validator.check(change));
    }

    // ---- ids ------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"a", "Z9", "world_1", "w-1.2", "ns:world", "user@host", "A-Za-z0-9_.:@"})
    void acceptsIdsOfAllowedCharacters(String id) {
        assertDoesNotThrow(() -> Validator.checkId("worldId", id));
        assertDoesNotThrow(() -> Validator.checkKey(new Key.Entity(id, id)));
    }

    @Test
    void acceptsIdOf128Characters() {
        assertDoesNotThrow(() -> Validator.checkKey(new Key.WorldState("w".repeat(128))));
    }

    @Test
    void rejectsIdOf129CharactersNamingTheFieldAndLength() {
        ValidationException e = rejected(ErrorCode.INVALID_ID, "worldId",
                () -> Validator.checkKey(new Key.WorldState("w".repeat(129))));
        assertTrue(e.getMessage().contains("129 characters"), e.getMessage());
        assertTrue(e.rule().contains("1 to 128"), e.rule());
    }

    @Test
    void rejectsEmptyId() {
        ValidationException e = rejected(ErrorCode.INVALID_ID, "entityId", () -> Validator.checkKey(new Key.Entity("w1", "")));
        assertTrue(e.getMessage().contains("was empty"), e.getMessage());
    }

    @Test
    void rejectsNullIdAsMissing() {
        ValidationException e = rejected(ErrorCode.INVALID_ID, "worldId", () -> Validator.checkId("worldId", null));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "a b", "#players", "a#b", "\u00e9", "a\nb", "a\\b", "a,b", " a", "a\u0000"})
    void rejectsIdsWithForbiddenCharacters(String id) {
        rejected(ErrorCode.INVALID_ID, "worldId", () -> Validator.checkId("worldId", id));
    }

    @Test
    void namesPlayerIdOfPlayerRegistration() {
        rejected(ErrorCode.INVALID_ID, "playerId", () -> Validator.checkKey(new Key.Player("p/1")));
    }

    @Test
    void namesWorldIdBeforePlayerIdOfPlayerState() {
        rejected(ErrorCode.INVALID_ID, "worldId", () -> Validator.checkKey(new Key.PlayerState("w 1", "p 1")));
        rejected(ErrorCode.INVALID_ID, "playerId", () -> Validator.checkKey(new Key.PlayerState("w1", "p 1")));
    }

    @Test
    void namesEntityId() {
        rejected(ErrorCode.INVALID_ID, "entityId", () -> Validator.checkKey(new Key.Entity("w1", "e#1")));
    }

    @Test
    void namesAppIdPlayerIdAndKeyOfAppData() {
        rejected(ErrorCode.INVALID_ID, "appId", () -> Validator.checkKey(new Key.AppData("w1", "my/app", null, "k")));
        rejected(ErrorCode.INVALID_ID, "playerId", () -> Validator.checkKey(new Key.AppData("w1", "app", "p 1", "k")));
        rejected(ErrorCode.INVALID_ID, "key", () -> Validator.checkKey(new Key.AppData("w1", "app", null, "a b")));
        rejected(ErrorCode.INVALID_ID, "key", () -> Validator.checkKey(new Key.AppData("w1", "app", "p1", "")));
    }

    @Test
    void appKeysMayContainSlashes() {
        assertDoesNotThrow(() -> Validator.checkKey(new Key.AppData("w1", "app", null, "inventory/slot/3")));
        assertDoesNotThrow(() -> Validator.checkKey(new Key.AppData("w1", "app", "p1", "/leading/and/trailing/")));
    }

    @Test
    void appKeysMayBe256ButNot257Characters() {
        assertDoesNotThrow(() -> Validator.checkKey(new Key.AppData("w1", "app", null, "k".repeat(256))));
        rejected(ErrorCode.INVALID_ID, "key", () -> Validator.checkKey(new Key.AppData("w1", "app", null, "k".repeat(257))));
    }

    @Test
    void worldWideAppDataNeedsNoPlayerId() {
        assertDoesNotThrow(() -> Validator.checkKey(new Key.AppData("w1", "app", null, "k")));
    }

    @Test
    void scanPrefixesAreCheckedNamingTheField() {
        assertDoesNotThrow(() -> Validator.checkScan(new Scan.AppData("w1", "app", null, "")));
        assertDoesNotThrow(() -> Validator.checkScan(new Scan.AppData("w1", "app", "p1", "inventory/")));
        rejected(ErrorCode.INVALID_ID, "worldId", () -> Validator.checkScan(new Scan.Entities("w/1")));
        rejected(ErrorCode.INVALID_ID, "prefix", () -> Validator.checkScan(new Scan.AppData("w1", "app", null, "a b")));
    }

    @Test
    void changeWithInvalidKeyIsRejectedEvenForDelete() {
        rejected(ErrorCode.INVALID_ID, "entityId", () -> validator.check(Change.delete(new Key.Entity("w1", "e 1"))));
    }

    // ---- vectors ---------------------------------------------------------------------------

    @Test
    void acceptsGuideObjectPosition() {
        accepted(Change.put(PLAYER_STATE, json("{\"position\":{\"x\":1,\"y\":2.5,\"z\":-3}}")));
    }

    @Test
    void acceptsHyperfyArrayPosition() {
        accepted(Change.put(PLAYER_STATE, json("{\"position\":[1,2.5,-3e2]}")));
    }

    @Test
    void rejectsPositionArrayWithTwoNumbersNamingTheField() {
        ValidationException e = rejectedPut(PLAYER_STATE, "{\"position\":[1,2]}", "position");
        assertTrue(e.getMessage().contains("array of 2"), e.getMessage());
    }

    @Test
    void rejectsPositionObjectWithTwoNumbersNamingTheField() {
        rejectedPut(PLAYER_STATE, "{\"position\":{\"x\":1,\"y\":2}}", "position");
    }

    @Test
    void rejectsPositionWithStringNamingTheAxis() {
        ValidationException e = rejectedPut(PLAYER_STATE, "{\"position\":{\"x\":1,\"y\":\"1\",\"z\":3}}", "position.y");
        assertTrue(e.getMessage().contains("a string"), e.getMessage());
        rejectedPut(PLAYER_STATE, "{\"position\":[1,\"1\",3]}", "position[1]");
    }

    @Test
    void rejectsPositionWithNullOrBooleanComponent() {
        rejectedPut(PLAYER_STATE, "{\"position\":[1,2,null]}", "position[2]");
        rejectedPut(PLAYER_STATE, "{\"position\":{\"x\":true,\"y\":2,\"z\":3}}", "position.x");
    }

    @Test
    void rejectsPositionWithExtraField() {
        rejectedPut(PLAYER_STATE, "{\"position\":{\"x\":1,\"y\":2,\"z\":3,\"w\":4}}", "position");
        rejectedPut(PLAYER_STATE, "{\"position\":[1,2,3,4]}", "position");
    }

    @Test
    void rejectsPositionWithWrongAxisNameNamingTheMissingAxis() {
        rejectedPut(PLAYER_STATE, "{\"position\":{\"x\":1,\"y\":2,\"q\":3}}", "position.z");
    }

    @Test
    void rejectsPositionNumberBeyondDoubleRange() {
        rejectedPut(PLAYER_STATE, "{\"position\":[1,2,1e400]}", "position[2]");
    }

    @Test
    void rejectsPositionThatIsNotAVector() {
        rejectedPut(PLAYER_STATE, "{\"position\":\"1,2,3\"}", "position");
        rejectedPut(PLAYER_STATE, "{\"position\":5}", "position");
        rejectedPut(PLAYER_STATE, "{\"position\":null}", "position");
    }

    @Test
    void rotationNeedsFourNumbers() {
        accepted(Change.put(PLAYER_STATE, json("{\"rotation\":{\"x\":0,\"y\":0,\"z\":0,\"w\":1}}")));
        accepted(Change.put(PLAYER_STATE, json("{\"rotation\":[0,0,0,1]}")));
        rejectedPut(PLAYER_STATE, "{\"rotation\":{\"x\":0,\"y\":0,\"z\":0}}", "rotation");
        rejectedPut(PLAYER_STATE, "{\"rotation\":[0,0,0]}", "rotation");
        rejectedPut(PLAYER_STATE, "{\"rotation\":{\"x\":0,\"y\":0,\"z\":0,\"v\":1}}", "rotation.w");
    }

    @Test
    void quaternionIsAnArrayOfFour() {
        accepted(Change.put(ENTITY, json("{\"quaternion\":[0,0.7071,0,0.7071]}")));
        rejectedPut(ENTITY, "{\"quaternion\":[0,0,1]}", "quaternion");
        rejectedPut(ENTITY, "{\"quaternion\":[0,0,\"0\",1]}", "quaternion[2]");
    }

    @Test
    void scaleIsThreeNumbers() {
        accepted(Change.put(ENTITY, json("{\"scale\":[1,1,1]}")));
        rejectedPut(ENTITY, "{\"scale\":[1,1]}", "scale");
    }

    @Test
    void mergeMayRemovePositionWithNull() {
        accepted(Change.merge(PLAYER_STATE, json("{\"position\":null,\"rotation\":null}")));
    }

    @Test
    void mergeRejectsPartialPosition() {
        rejectedMerge(PLAYER_STATE, "{\"position\":{\"x\":1}}", "position");
    }

    @Test
    void mergeAcceptsWholePosition() {
        accepted(Change.merge(PLAYER_STATE, json("{\"position\":[4,5,6]}")));
    }

    @Test
    void vectorsAreCheckedInWorldStateToo() {
        rejectedPut(WORLD, "{\"position\":[1,2]}", "position");
    }

    // ---- entities --------------------------------------------------------------------------

    @Test
    void entityIdMustEqualKeyEntityId() {
        accepted(Change.put(ENTITY, json("{\"id\":\"e1\"}")));
        rejectedPut(ENTITY, "{\"id\":\"e2\"}", "id");
        rejectedPut(ENTITY, "{\"id\":1}", "id");
        rejectedPut(ENTITY, "{\"id\":null}", "id");
        rejectedMerge(ENTITY, "{\"id\":\"other\"}", "id");
    }

    @Test
    void entityMayOmitId() {
        accepted(Change.put(ENTITY, json("{\"components\":{}}")));
    }

    @Test
    void entityMetadataTypeAndNameMustBeStrings() {
        accepted(Change.put(ENTITY, json("{\"metadata\":{\"type\":\"npc\",\"name\":\"Bob\",\"extra\":1}}")));
        ValidationException e = rejectedPut(ENTITY, "{\"metadata\":{\"type\":5}}", "metadata.type");
        assertTrue(e.getMessage().contains("a number"), e.getMessage());
        rejectedPut(ENTITY, "{\"metadata\":{\"name\":[\"a\"]}}", "metadata.name");
        rejectedPut(ENTITY, "{\"metadata\":\"npc\"}", "metadata");
    }

    @Test
    void mergeMayRemoveMetadataType() {
        accepted(Change.merge(ENTITY, json("{\"metadata\":{\"type\":null}}")));
        accepted(Change.merge(ENTITY, json("{\"metadata\":null,\"components\":null}")));
    }

    @Test
    void entityComponentsMustBeAnObject() {
        accepted(Change.put(ENTITY, json("{\"components\":{\"health\":{\"hp\":3}}}")));
        rejectedPut(ENTITY, "{\"components\":[]}", "components");
        rejectedPut(ENTITY, "{\"components\":null}", "components");
    }

    @Test
    void acceptsRealHyperfyEntity() {
        String hyperfy = "{\"id\":\"e1\",\"type\":\"app\",\"blueprint\":\"b1\",\"position\":[1,2,3],\"quaternion\":[0,0,0,1],"
                + "\"scale\":[1,1,1],\"mover\":null,\"uploader\":null,\"pinned\":false,\"state\":{}}";

        byte[] bytes = accepted(Change.put(ENTITY, json(hyperfy)));

        assertEquals(json(hyperfy), Json.parseTrusted(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)));
    }

    // ---- other tables ----------------------------------------------------------------------

    @Test
    void acceptsGuideRpgPlayerExample() {
        String rpg = """
                {"position":{"x":120.5,"y":0,"z":-45.25},
                 "rotation":{"x":0,"y":0.7071,"z":0,"w":0.7071},
                 "health":87,"mana":40,
                 "inventory":[{"item":"sword","qty":1},{"item":"potion","qty":5}],
                 "skills":{"swordsmanship":12,"alchemy":3}}""";

        byte[] bytes = accepted(Change.put(PLAYER_STATE, json(rpg)));

        assertArrayEquals(Json.bytes(json(rpg)), bytes);
    }

    @Test
    void worldStateMustBeAnObject() {
        ValidationException e = rejectedPut(WORLD, "[1,2]", "value");
        assertTrue(e.getMessage().contains("an array"), e.getMessage());
        rejectedPut(WORLD, "\"x\"", "value");
        rejectedPut(WORLD, "null", "value");
        rejectedPut(WORLD, "{\"metadata\":1}", "metadata");
        accepted(Change.put(WORLD, json("{\"metadata\":{\"title\":\"t\"},\"time\":3}")));
    }

    @Test
    void playerStateMustBeAnObject() {
        rejectedPut(PLAYER_STATE, "42", "value");
    }

    @Test
    void playerRegistrationMustBeAnObjectAndCannotBePatched() {
        Key.Player player = new Key.Player("p1");
        accepted(Change.put(player, json("{\"username\":\"Alice\"}")));
        rejectedPut(player, "[]", "value");
        rejectedMerge(player, "{\"username\":\"Bob\"}", "op");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "\"text\"", "true", "[1,{\"a\":null}]", "{\"a\":null}", "{}", "[]"})
    void appDataMayBeAnyJsonValue(String value) {
        byte[] bytes = accepted(Change.put(APP, json(value)));
        assertArrayEquals(Json.bytes(json(value)), bytes);
        accepted(Change.put(new Key.AppData("w1", "app1", "p1", "a/b"), json(value)));
    }

    @Test
    void appDataMayNotBeNull() {
        rejected(ErrorCode.INVALID_SHAPE, "value", () -> validator.check(Change.put(APP, NullNode.getInstance())));
        rejected(ErrorCode.INVALID_SHAPE, "value", () -> validator.check(Change.put(APP, MissingNode.getInstance())));
    }

    // ---- size --------------------------------------------------------------------------------

    @Test
    void rejectsValueLargerThanMaxValueBytes() {
        Validator small = new Validator(1024);
        JsonNode big = json("\"" + "x".repeat(1023) + "\""); // 1025 bytes

        ValidationException e = rejected(ErrorCode.VALUE_TOO_LARGE, "value", () -> small.check(Change.put(APP, big)));
        assertTrue(e.getMessage().contains("1024"), e.getMessage());
        assertTrue(e.getMessage().contains("1025"), e.getMessage());
    }

    @Test
    void acceptsValueOfExactlyMaxValueBytes() {
        Validator small = new Validator(1024);
        JsonNode exact = json("\"" + "x".repeat(1022) + "\""); // 1024 bytes

        assertEquals(1024, small.check(Change.put(APP, exact)).length);
    }

    @Test
    void sizeCountsUtf8BytesNotCharacters() {
        Validator small = new Validator(1024);
        JsonNode wide = json("{\"n\":\"" + "\u00e9".repeat(600) + "\"}"); // 609 chars, 1209 bytes

        rejected(ErrorCode.VALUE_TOO_LARGE, "value", () -> small.check(Change.put(PLAYER_STATE, wide)));
    }

    @Test
    void sizeLimitAppliesToMergePatches() {
        Validator small = new Validator(1024);
        JsonNode patch = json("{\"bio\":\"" + "x".repeat(2000) + "\"}");

        rejected(ErrorCode.VALUE_TOO_LARGE, "value", () -> small.check(Change.merge(PLAYER_STATE, patch)));
    }

    @Test
    void deleteReturnsNullBytes() {
        assertNull(validator.check(Change.delete(ENTITY)));
        assertNull(validator.check(Change.delete(new Key.Player("p1"))));
        assertNull(validator.check(Change.delete(APP)));
    }

    @Test
    void putReturnsSerializedPayload() {
        JsonNode value = json("{\"health\":1.50}");

        byte[] bytes = accepted(Change.put(PLAYER_STATE, value));

        assertEquals("{\"health\":1.50}", new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
    }

    // ---- usernames ---------------------------------------------------------------------------

    @Test
    void normalizeUsernameLowerCases() {
        assertEquals("alice", Validator.normalizeUsername("Alice"));
        assertEquals(Validator.normalizeUsername("Alice"), Validator.normalizeUsername("ALICE"));
        assertNotEquals(Validator.normalizeUsername("Alice"), Validator.normalizeUsername("Alicia"));
    }

    @Test
    void acceptsUsernameWithInnerSpace() {
        assertEquals("dark knight", Validator.normalizeUsername("Dark Knight"));
    }

    @Test
    void acceptsUsernameOf64Characters() {
        assertEquals("a".repeat(64), Validator.normalizeUsername("A".repeat(64)));
    }

    @Test
    void acceptsNonAsciiLetters() {
        assertEquals("jos\u00e9", Validator.normalizeUsername("Jos\u00c9"));
        assertEquals("\u03c9\u03bc\u03ad\u03b3\u03b1", Validator.normalizeUsername("\u03a9\u039c\u0388\u0393\u0391"));
    }

    @Test
    void rejectsEmptyUsername() {
        rejected(ErrorCode.INVALID_SHAPE, "username", () -> Validator.normalizeUsername(""));
    }

    @Test
    void rejectsNullUsername() {
        rejected(ErrorCode.INVALID_SHAPE, "username", () -> Validator.normalizeUsername(null));
    }

    @Test
    void rejectsUsernameOf65Characters() {
        rejected(ErrorCode.INVALID_SHAPE, "username", () -> Validator.normalizeUsername("a".repeat(65)));
    }

    @ParameterizedTest
    @ValueSource(strings = {" alice", "alice ", " ", "a\tb", "a\nb", "ali/ce", "ali#ce", "a@b"})
    void rejectsUsernameWithLeadingOrTrailingSpaceOrForbiddenCharacters(String name) {
        rejected(ErrorCode.INVALID_SHAPE, "username", () -> Validator.normalizeUsername(name));
    }

    @Test
    void decomposedAndComposedUsernameNormalizeEqual() {
        // "José" typed on a system that sends NFD (e + U+0301 COMBINING ACUTE ACCENT) is the same name.
        String composed = "Jos\u00e9";
        String decomposed = "Jose\u0301";

        assertEquals(Validator.normalizeUsername(composed), Validator.normalizeUsername(decomposed));
    }
}
