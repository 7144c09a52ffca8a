package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MergePatchTest {

    private static JsonNode json(String text) {
        return Json.parse(text);
    }

    /** RFC 7396 Appendix A, every row: original, patch, result. */
    static Stream<Arguments> rfc7396AppendixA() {
        return Stream.of(
                Arguments.of("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"),
                Arguments.of("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"),
                Arguments.of("{\"a\":\"b\"}", "{\"a\":null}", "{}"),
                Arguments.of("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"),
                Arguments.of("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"),
                Arguments.of("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"),
                Arguments.of("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"),
                Arguments.of("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"),
                Arguments.of("[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"),
                Arguments.of("{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"),
                Arguments.of("{\"a\":\"foo\"}", "null", "null"),
                Arguments.of("{\"a\":\"foo\"}", "\"bar\"", "\"bar\""),
                Arguments.of("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"),
                Arguments.of("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"),
                Arguments.of("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"));
    }

    @ParameterizedTest(name = "{0} + {1} = {2}")
    @MethodSource("rfc7396AppendixA")
    void appliesEveryRfc7396AppendixAExample(String original, String patch, String expected) {
        // given
        JsonNode target = json(original);
        JsonNode p = json(patch);
        // when
        JsonNode result = MergePatch.apply(target, p);
        // then
        assertEquals(json(expected), result);
    }

    @Test
    void appliesRfc7396SectionThreeExample() {
        JsonNode target = json("""
                {"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},
                 "tags":["example","sample"],"content":"This will be unchanged"}""");
        JsonNode patch = json("""
                {"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}""");

        JsonNode result = MergePatch.apply(target, patch);

        assertEquals(json("""
                {"title":"Hello!","author":{"givenName":"John"},"tags":["example"],
                 "content":"This will be unchanged","phoneNumber":"+01-123-456-7890"}"""), result);
    }

    @Test
    void doesNotMutateTargetOrPatch() {
        // given
        JsonNode target = json("{\"a\":{\"b\":1,\"c\":[1,2]},\"d\":\"x\",\"e\":{\"f\":true}}");
        JsonNode patch = json("{\"a\":{\"b\":null,\"n\":{\"deep\":null,\"k\":1}},\"d\":null,\"e\":{\"f\":false},\"g\":[3]}");
        JsonNode targetBefore = target.deepCopy();
        JsonNode patchBefore = patch.deepCopy();
        // when
        JsonNode result = MergePatch.apply(target, patch);
        ((ObjectNode) result).put("later", 1);
        ((ObjectNode) result.get("e")).put("f", "changed");
        ((ArrayNode) result.get("g")).add(4);
        // then
        assertEquals(targetBefore, target);
        assertEquals(patchBefore, patch);
    }

    @Test
    void resultSharesNoNodesWithNonObjectPatch() {
        JsonNode patch = json("[1,{\"a\":2}]");

        JsonNode result = MergePatch.apply(json("{}"), patch);
        ((ObjectNode) result.get(1)).put("a", 99);

        assertEquals(json("[1,{\"a\":2}]"), patch);
    }

    @Test
    void patchOnAbsentTargetStartsFromEmptyObject() {
        JsonNode result = MergePatch.apply(null, json("{\"a\":1,\"b\":null,\"c\":{\"d\":null,\"e\":2}}"));

        assertEquals(json("{\"a\":1,\"c\":{\"e\":2}}"), result);
    }

    @Test
    void nonObjectPatchOnAbsentTargetIsThePatch() {
        assertEquals(json("[1,2]"), MergePatch.apply(null, json("[1,2]")));
        assertTrue(MergePatch.apply(null, json("null")).isNull());
    }

    @Test
    void nestedNullRemovesOnlyTheNestedField() {
        JsonNode target = json("{\"stats\":{\"hp\":10,\"buff\":\"haste\"},\"name\":\"n\"}");

        JsonNode result = MergePatch.apply(target, json("{\"stats\":{\"buff\":null}}"));

        assertEquals(json("{\"stats\":{\"hp\":10},\"name\":\"n\"}"), result);
        assertFalse(result.get("stats").has("buff"));
    }

    @Test
    void arraysAreReplacedWholesaleNotMerged() {
        JsonNode target = json("{\"inventory\":[{\"id\":\"sword\"},{\"id\":\"shield\"},{\"id\":\"potion\"}]}");

        JsonNode result = MergePatch.apply(target, json("{\"inventory\":[{\"id\":\"bow\"}]}"));

        assertEquals(json("{\"inventory\":[{\"id\":\"bow\"}]}"), result);
    }

    @Test
    void changingOnlyPositionLeavesLargeInventoryEqual() {
        // given
        ObjectNode target = Json.object();
        target.putObject("position").put("x", 1).put("y", 2).put("z", 3);
        ArrayNode inventory = target.putArray("inventory");
        for (int i = 0; i < 5_000; i++) {
            inventory.addObject().put("id", "item-" + i).put("qty", i % 7).putObject("meta").put("rare", i % 13 == 0);
        }
        JsonNode inventoryBefore = inventory.deepCopy();
        // when
        JsonNode result = MergePatch.apply(target, json("{\"position\":{\"x\":10,\"y\":20,\"z\":30}}"));
        // then
        assertEquals(json("{\"x\":10,\"y\":20,\"z\":30}"), result.get("position"));
        assertEquals(inventoryBefore, result.get("inventory"));
        assertNotSame(target, result);
        assertEquals(json("{\"x\":1,\"y\":2,\"z\":3}"), target.get("position"));
    }

    @Test
    void objectPatchReplacesNonObjectMemberWithObject() {
        JsonNode result = MergePatch.apply(json("{\"a\":5}"), json("{\"a\":{\"b\":1,\"c\":null}}"));

        assertEquals(json("{\"a\":{\"b\":1}}"), result);
    }
}
