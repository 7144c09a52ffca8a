package dev.worldstore.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Json;
import org.junit.jupiter.api.Test;

class PayloadsTest {

    @Test
    void everyVariantIsAPlayerStateOfExactlyTheAskedSize() {
        for (int bytes : new int[] {1024, 4096}) {
            Payloads p = new Payloads(bytes, 8);
            for (int i = 0; i < 8; i++) {
                ObjectNode state = p.get(i);
                assertEquals(bytes, Json.bytes(state).length, "variant " + i + " of " + bytes);
                assertTrue(state.has("position") && state.has("inventory") && state.has("skills"), state.toString());
            }
            assertSame(p.get(3), p.get(11));
            assertNotEquals(p.get(0), p.get(1));
        }
    }
}
