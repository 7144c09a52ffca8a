package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.worldstore.Change;
import dev.worldstore.ErrorCode;
import dev.worldstore.Key;
import dev.worldstore.Json;
import dev.worldstore.Usernames;
import dev.worldstore.ValidationException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ValidatorTest {

    private static final int MAX = 64 * 1024;
    private final Validator validator = new Validator(MAX);

    private static final Key.PlayerState PLAYER_STATE = new Key.PlayerState("w1", "p1");
    private static final Key.Entity ENTITY = new Key.Entity("w1", "e1");
    private static final Key.WorldState WORLD = new Key.WorldState("w1");
    private static final Key.AppData APP = new Key.AppData("w1", "app1", null, "k1");

    private static JsonNode json(String text) {
        return Json.parse(text);
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

        assertEquals(json(hyperfy), Json.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8)));
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

    // ---- values given as JSON text ---------------------------------------------------------

    private static final Key.Player PLAYER = new Key.Player("p1");

    private static Change change(Key key, boolean patch, String text, boolean asText) {
        if (asText) {
            return patch ? Change.mergeJson(key, text) : Change.putJson(key, text);
        }
        return patch ? Change.merge(key, json(text)) : Change.put(key, json(text));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of(PLAYER_STATE, false, "{\"position\":[1,2]}", "position"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":{\"x\":1,\"y\":2}}", "position"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":{\"x\":1,\"y\":\"1\",\"z\":3}}", "position.y"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":[1,\"1\",3]}", "position[1]"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":[1,2,null]}", "position[2]"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":{\"x\":true,\"y\":2,\"z\":3}}", "position.x"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":{\"x\":1,\"y\":2,\"z\":3,\"w\":4}}", "position"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":[1,2,3,4]}", "position"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":{\"x\":1,\"y\":2,\"q\":3}}", "position.z"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":[1,2,1e400]}", "position[2]"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":[1,2," + "9".repeat(400) + "]}", "position[2]"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":[1,-1.7976931348623159e308,3]}", "position[1]"),
                Arguments.of(ENTITY, false, "{\"position\":[1,2,3],\"scale\":[[1],1,1]}", "scale[0]"),
                Arguments.of(ENTITY, false, "{\"position\":[1,2,3],\"quaternion\":[0,0,0,1,5]}", "quaternion"),
                Arguments.of(ENTITY, false, "{\"position\":[1,2,3],\"id\":\"e2\"}", "id"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":\"1,2,3\"}", "position"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":5}", "position"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":null}", "position"),
                Arguments.of(PLAYER_STATE, false, "{\"rotation\":{\"x\":0,\"y\":0,\"z\":0}}", "rotation"),
                Arguments.of(PLAYER_STATE, false, "{\"rotation\":[0,0,0]}", "rotation"),
                Arguments.of(PLAYER_STATE, false, "{\"rotation\":{\"x\":0,\"y\":0,\"z\":0,\"v\":1}}", "rotation.w"),
                Arguments.of(PLAYER_STATE, false, "{\"inventory\":[{\"position\":1}],\"skills\":{},\"position\":[1]}", "position"),
                Arguments.of(PLAYER_STATE, false, "42", "value"),
                Arguments.of(PLAYER_STATE, false, "[{\"position\":[1,2,3]}]", "value"),
                Arguments.of(PLAYER_STATE, true, "{\"position\":{\"x\":1}}", "position"),
                Arguments.of(ENTITY, false, "{\"quaternion\":[0,0,1]}", "quaternion"),
                Arguments.of(ENTITY, false, "{\"quaternion\":[0,0,\"0\",1]}", "quaternion[2]"),
                Arguments.of(ENTITY, false, "{\"scale\":[1,1]}", "scale"),
                Arguments.of(ENTITY, false, "{\"id\":\"e2\"}", "id"),
                Arguments.of(ENTITY, false, "{\"id\":1}", "id"),
                Arguments.of(ENTITY, false, "{\"id\":null}", "id"),
                Arguments.of(ENTITY, true, "{\"id\":\"other\"}", "id"),
                Arguments.of(ENTITY, false, "{\"metadata\":{\"type\":5}}", "metadata.type"),
                Arguments.of(ENTITY, false, "{\"metadata\":{\"name\":[\"a\"]}}", "metadata.name"),
                Arguments.of(ENTITY, false, "{\"metadata\":\"npc\"}", "metadata"),
                Arguments.of(ENTITY, false, "{\"components\":[]}", "components"),
                Arguments.of(ENTITY, false, "{\"components\":null}", "components"),
                Arguments.of(ENTITY, false, "{\"metadata\":1,\"id\":\"e2\",\"position\":[1]}", "position"),
                Arguments.of(WORLD, false, "{\"position\":[1,2]}", "position"),
                Arguments.of(WORLD, false, "[1,2]", "value"),
                Arguments.of(WORLD, false, "\"x\"", "value"),
                Arguments.of(WORLD, false, "null", "value"),
                Arguments.of(WORLD, false, "{\"metadata\":1}", "metadata"),
                Arguments.of(PLAYER, false, "[]", "value"),
                Arguments.of(PLAYER, true, "{\"username\":\"Bob\"}", "op"),
                Arguments.of(APP, false, "null", "value"),
                Arguments.of(APP, true, "null", "value"));
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void textBreakingARuleIsRejectedExactlyLikeTheTree(Key key, boolean patch, String text, String field) {
        ValidationException fromTree = rejected(ErrorCode.INVALID_SHAPE, field, () -> validator.check(change(key, patch, text, false)));

        ValidationException fromText = rejected(ErrorCode.INVALID_SHAPE, field, () -> validator.check(change(key, patch, text, true)));

        assertEquals(fromTree.getMessage(), fromText.getMessage());
    }

    static Stream<Arguments> goodValues() {
        return Stream.of(
                Arguments.of(PLAYER_STATE, false, "{\"position\":{\"x\":1,\"y\":2.5,\"z\":-3}}"),
                Arguments.of(PLAYER_STATE, false, "{\"position\":[1,2.5,-3e2],\"rotation\":[0,0,0,1]}"),
                Arguments.of(PLAYER_STATE, false, "{\"rotation\":{\"x\":0,\"y\":0,\"z\":0,\"w\":1}}"),
                Arguments.of(PLAYER_STATE, true, "{\"position\":null,\"rotation\":null}"),
                Arguments.of(PLAYER_STATE, true, "{\"position\":[4,5,6]}"),
                Arguments.of(PLAYER_STATE, false, "{\"stats\":{\"position\":\"not checked below the top\"}}"),
                Arguments.of(PLAYER_STATE, false, """
                        {"position":{"x":120.5,"y":0,"z":-45.25},
                         "rotation":{"x":0,"y":0.7071,"z":0,"w":0.7071},
                         "health":87,"mana":40,
                         "inventory":[{"item":"sword","qty":1},{"item":"potion","qty":5}],
                         "skills":{"swordsmanship":12,"alchemy":3}}"""),
                Arguments.of(ENTITY, false, "{\"id\":\"e1\",\"type\":\"app\",\"blueprint\":\"b1\",\"position\":[1,2,3],"
                        + "\"quaternion\":[0,0,0,1],\"scale\":[1,1,1],\"mover\":null,\"uploader\":null,\"pinned\":false,\"state\":{}}"),
                Arguments.of(ENTITY, false, "{\"position\":[-1.5e299,0,9223372036854775807],\"quaternion\":[0.1,0.2,0.3,0.9],"
                        + "\"scale\":[1e-300,-0.0,-9223372036854775808],\"id\":\"e1\",\"metadata\":{\"hyperfy\":{\"createdAt\":\"x\"}}}"),
                Arguments.of(ENTITY, false, "{\"components\":{\"health\":{\"hp\":3}}}"),
                Arguments.of(ENTITY, false, "{\"metadata\":{\"type\":\"npc\",\"name\":\"Bob\",\"extra\":1}}"),
                Arguments.of(ENTITY, true, "{\"metadata\":{\"type\":null}}"),
                Arguments.of(ENTITY, true, "{\"metadata\":null,\"components\":null,\"id\":null}"),
                Arguments.of(WORLD, false, "{\"metadata\":{\"title\":\"t\"},\"time\":3}"),
                Arguments.of(PLAYER, false, "{\"username\":\"Alice\"}"),
                Arguments.of(APP, false, "1"),
                Arguments.of(APP, false, "\"text\""),
                Arguments.of(APP, false, "true"),
                Arguments.of(APP, false, "[1,{\"a\":null}]"),
                Arguments.of(APP, false, "{\"a\":null}"),
                Arguments.of(APP, false, "{}"),
                Arguments.of(APP, false, "[]"));
    }

    @ParameterizedTest
    @MethodSource("goodValues")
    void validTextIsAcceptedAndItsOwnBytesAreReturned(Key key, boolean patch, String text) {
        byte[] sent = utf8(text);
        Change change = patch ? Change.mergeJson(key, sent) : Change.putJson(key, sent);
        accepted(change(key, patch, text, false));

        byte[] bytes = accepted(change);

        assertSame(sent, bytes);
    }

    @Test
    void textIsStoredAsSentNotReformatted() {
        String text = "{ \"health\" : 1.50,\n  \"big\": 1e2, \"position\": [ 1, 2, 3 ] }";

        byte[] bytes = accepted(Change.putJson(PLAYER_STATE, text));

        assertEquals(text, new String(bytes, StandardCharsets.UTF_8));
    }

    private ValidationException rejectedText(byte[] text) {
        return rejected(ErrorCode.INVALID_JSON, "value", () -> validator.check(Change.putJson(PLAYER_STATE, text)));
    }

    private ValidationException rejectedText(String text) {
        return rejectedText(utf8(text));
    }

    @Test
    void malformedTextIsInvalidJsonNamingLineAndColumn() {
        ValidationException e = rejectedText("{\"health\": 100,\n \"mana\": }");

        assertTrue(e.getMessage().contains("malformed JSON at line 2, column 10"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"hp\": 1", "{\"hp\" 1}", "{hp: 1}", "[1,]", "{\"a\":[1,2}", "tru", "\"open"})
    void textThatIsNotJsonIsInvalidJson(String text) {
        rejectedText(text);
    }

    @Test
    void trailingContentIsInvalidJson() {
        ValidationException e = rejectedText("{\"hp\": 1} {\"hp\": 2}");
        assertTrue(e.getMessage().contains("trailing content"), e.getMessage());
        assertTrue(e.getMessage().contains("line 1, column 11"), e.getMessage());
        rejectedText("{\"hp\": 1} trailing");
        rejectedText("1 2");
    }

    @Test
    void trailingWhitespaceIsFine() {
        accepted(Change.putJson(PLAYER_STATE, " {\"hp\": 1} \n\t"));
    }

    @Test
    void duplicateKeysAreInvalidJsonWhereverTheyAre() {
        ValidationException top = rejectedText("{\"hp\": 1, \"hp\": 2}");
        assertTrue(top.getMessage().contains("Duplicate field 'hp'"), top.getMessage());
        rejectedText("{\"skills\": {\"a\": 1, \"a\": 2}}");
        rejectedText("{\"position\": {\"x\": 1, \"x\": 2, \"z\": 3}}");
        rejectedText("{\"position\": [1, 2, 3], \"position\": [1, 2, 3]}");
        rejectedText("{\"inventory\": [{\"item\": 1}, {\"item\": 2, \"qty\": 1, \"item\": 3}]}");
    }

    @Test
    void duplicateNamesAreFoundPastTheSixteenthMemberAndInsideEveryReadField() {
        StringBuilder wide = new StringBuilder("{");
        for (int i = 0; i < 20; i++) {
            wide.append("\"m").append(i).append("\": ").append(i).append(", ");
        }
        accepted(Change.putJson(PLAYER_STATE, wide + "\"m20\": 20}"));

        ValidationException late = rejectedText(wide + "\"m3\": 3}");
        ValidationException inMetadata = rejected(ErrorCode.INVALID_JSON, "value",
                () -> validator.check(Change.putJson(ENTITY, "{\"metadata\": {\"type\": \"a\", \"type\": \"b\"}}")));
        ValidationException inComponents = rejected(ErrorCode.INVALID_JSON, "value",
                () -> validator.check(Change.putJson(ENTITY, "{\"components\": {\"c\": {\"hp\": 1, \"hp\": 2}}}")));

        assertTrue(late.getMessage().contains("Duplicate field 'm3'"), late.getMessage());
        assertTrue(inMetadata.getMessage().contains("Duplicate field 'type'"), inMetadata.getMessage());
        assertTrue(inComponents.getMessage().contains("Duplicate field 'hp'"), inComponents.getMessage());
    }

    @Test
    void vectorObjectsMayListTheirAxesInAnyOrder() {
        accepted(Change.putJson(PLAYER_STATE, "{\"position\": {\"z\": 3, \"x\": 1, \"y\": 2}, \"rotation\": {\"w\": 1, \"z\": 0, \"y\": 0, \"x\": 0}}"));
    }

    @Test
    void nestingDeeperThanTheLimitIsInvalidJson() {
        int depth = Json.MAX_NESTING_DEPTH + 1;
        ValidationException e = rejectedText("[".repeat(depth) + "]".repeat(depth));
        assertTrue(e.getMessage().contains("nesting deeper than " + Json.MAX_NESTING_DEPTH), e.getMessage());
        assertFalse(e.getMessage().contains("StreamReadConstraints"), e.getMessage());
        rejectedText("{\"skills\":" + "[".repeat(depth) + "]".repeat(depth) + "}");
        rejectedText("{\"position\":" + "[".repeat(depth) + "]".repeat(depth) + "}");
        accepted(Change.putJson(APP, "[".repeat(Json.MAX_NESTING_DEPTH) + "]".repeat(Json.MAX_NESTING_DEPTH)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\n\t "})
    void emptyTextIsInvalidJson(String text) {
        ValidationException e = rejectedText(text);
        assertTrue(e.getMessage().contains("no JSON value"), e.getMessage());
    }

    @Test
    void invalidUtf8IsInvalidJson() {
        rejectedText(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '(', '"', '}'});
        rejectedText(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xFF, '"', '}'});
    }

    @Test
    void malformedTextIsReportedBeforeAnInvalidKey() {
        rejected(ErrorCode.INVALID_JSON, "value", () -> validator.check(Change.putJson(new Key.Entity("w1", "e 1"), "{")));
        rejected(ErrorCode.INVALID_ID, "entityId", () -> validator.check(Change.putJson(new Key.Entity("w1", "e 1"), "{}")));
    }

    @Test
    void topLevelNullTextIsRejectedForAppData() {
        rejected(ErrorCode.INVALID_SHAPE, "value", () -> validator.check(Change.putJson(APP, "null")));
        rejected(ErrorCode.INVALID_SHAPE, "value", () -> validator.check(Change.putJson(APP, " null ")));
    }

    @Test
    void textLargerThanMaxValueBytesIsRejectedLikeTheTree() {
        Validator small = new Validator(1024);
        String big = "\"" + "x".repeat(1023) + "\""; // 1025 bytes

        ValidationException fromTree = rejected(ErrorCode.VALUE_TOO_LARGE, "value", () -> small.check(Change.put(APP, json(big))));
        ValidationException fromText = rejected(ErrorCode.VALUE_TOO_LARGE, "value", () -> small.check(Change.putJson(APP, big)));

        assertEquals(fromTree.getMessage(), fromText.getMessage());
        rejected(ErrorCode.VALUE_TOO_LARGE, "value",
                () -> small.check(Change.mergeJson(PLAYER_STATE, "{\"bio\":\"" + "x".repeat(2000) + "\"}")));
    }

    @Test
    void textSizeCountsTheBytesAsSent() {
        Validator small = new Validator(1024);
        String exact = "\"" + "x".repeat(1022) + "\"";
        String padded = " " + exact;

        assertEquals(1024, small.check(Change.putJson(APP, exact)).length);
        rejected(ErrorCode.VALUE_TOO_LARGE, "value", () -> small.check(Change.putJson(APP, padded)));
    }

    @Test
    void utf8ByteOrderMarkIsDropped() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'};

        assertArrayEquals(utf8("{}"), accepted(Change.putJson(APP, bom)));
    }

    @Test
    void utf16TextIsCheckedAndStoredAsUtf8() {
        String text = "{\"name\":\"Jos\u00e9\",\"position\":[1,2,3]}";

        byte[] bytes = accepted(Change.putJson(PLAYER_STATE, text.getBytes(StandardCharsets.UTF_16LE)));

        assertEquals(json(text), json(new String(bytes, StandardCharsets.UTF_8)));
        rejected(ErrorCode.INVALID_SHAPE, "position",
                () -> validator.check(Change.putJson(PLAYER_STATE, "{\"position\":[1]}".getBytes(StandardCharsets.UTF_16BE))));
        rejected(ErrorCode.INVALID_JSON, "value", () -> validator.check(Change.putJson(PLAYER_STATE, "{".getBytes(StandardCharsets.UTF_16))));
    }

    // ---- usernames ---------------------------------------------------------------------------

    @Test
    void normalizeUsernameLowerCases() {
        assertEquals("alice", Usernames.normalize("Alice"));
        assertEquals(Usernames.normalize("Alice"), Usernames.normalize("ALICE"));
        assertNotEquals(Usernames.normalize("Alice"), Usernames.normalize("Alicia"));
    }

    @Test
    void acceptsUsernameWithInnerSpace() {
        assertEquals("dark knight", Usernames.normalize("Dark Knight"));
    }

    @Test
    void acceptsUsernameOf64Characters() {
        assertEquals("a".repeat(64), Usernames.normalize("A".repeat(64)));
    }

    @Test
    void acceptsNonAsciiLetters() {
        assertEquals("jos\u00e9", Usernames.normalize("Jos\u00c9"));
        assertEquals("\u03c9\u03bc\u03ad\u03b3\u03b1", Usernames.normalize("\u03a9\u039c\u0388\u0393\u0391"));
    }

    @Test
    void rejectsEmptyUsername() {
        rejected(ErrorCode.INVALID_SHAPE, "username", () -> Usernames.normalize(""));
    }

    @Test
    void rejectsNullUsername() {
        rejected(ErrorCode.INVALID_SHAPE, "username", () -> Usernames.normalize(null));
    }

    @Test
    void rejectsUsernameOf65Characters() {
        rejected(ErrorCode.INVALID_SHAPE, "username", () -> Usernames.normalize("a".repeat(65)));
    }

    @ParameterizedTest
    @ValueSource(strings = {" alice", "alice ", " ", "a\tb", "a\nb", "ali/ce", "ali#ce", "a@b"})
    void rejectsUsernameWithLeadingOrTrailingSpaceOrForbiddenCharacters(String name) {
        rejected(ErrorCode.INVALID_SHAPE, "username", () -> Usernames.normalize(name));
    }

    @Test
    void decomposedAndComposedUsernameNormalizeEqual() {
        // "José" typed on a system that sends NFD (e + U+0301 COMBINING ACUTE ACCENT) is the same name.
        String composed = "Jos\u00e9";
        String decomposed = "Jose\u0301";

        assertEquals(Usernames.normalize(composed), Usernames.normalize(decomposed));
    }

    /** RFC 8265 UsernameCaseMapped: fullwidth and halfwidth forms are the same name. */
    @Test
    void fullwidthLettersAreTheSameUsernameAsTheirAsciiForms() {
        assertEquals(Usernames.normalize("bobxyz"), Usernames.normalize("\uff42\uff4f\uff42\uff58\uff59\uff5a"));
        assertEquals(Usernames.normalize("BOB"), Usernames.normalize("\uff22\uff2f\uff22"));
        assertEquals("\u30ab", Usernames.normalize("\uff76"), "halfwidth katakana maps to its fullwidth form");
    }
}
