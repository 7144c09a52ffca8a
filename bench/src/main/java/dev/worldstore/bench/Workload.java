package dev.worldstore.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Json;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The records every contender writes and reads: player states of exactly {@code payloadBytes} of
 * JSON, key {@code k} being player {@code p<k>} of world {@code w<k mod 64>}. A fixed set of
 * payload variants is built once, so memory stays bounded whatever the record count.
 */
final class Workload {
    static final int VARIANTS = 16;

    private final int keys;
    private final ObjectNode[] json = new ObjectNode[VARIANTS];
    private final byte[][] bytes = new byte[VARIANTS][];
    private final String[] text = new String[VARIANTS];

    Workload(int keys, int payloadBytes) {
        this.keys = keys;
        SplittableRandom rnd = new SplittableRandom(7);
        for (int v = 0; v < VARIANTS; v++) {
            json[v] = playerState(payloadBytes, rnd);
            bytes[v] = Json.bytes(json[v]);
            text[v] = new String(bytes[v], StandardCharsets.UTF_8);
        }
    }

    int keys() {
        return keys;
    }

    /** The key written by the {@code seq}-th save of a round-robin run. */
    int keyOf(long seq) {
        return (int) (seq % keys);
    }

    static int variantOf(long seq) {
        return (int) (seq % VARIANTS);
    }

    static String worldId(int key) {
        return "w" + (key % Options.WORLDS);
    }

    static String playerId(int key) {
        return "p" + key;
    }

    /** One string naming the key, for key-value peers (Kafka record keys, KTable keys, RocksDB keys). */
    static String compositeKey(int key) {
        return worldId(key) + '/' + playerId(key);
    }

    ObjectNode json(int variant) {
        return json[variant];
    }

    byte[] bytes(int variant) {
        return bytes[variant];
    }

    String text(int variant) {
        return text[variant];
    }

    /** A Hyperfy-like player state (position, rotation, stats, inventory) padded to exactly {@code size} bytes. */
    private static ObjectNode playerState(int size, SplittableRandom rnd) {
        ObjectNode s = Json.object();
        s.set("position", Json.object().put("x", rnd.nextInt(1000)).put("y", rnd.nextInt(100)).put("z", rnd.nextInt(1000)));
        s.set("rotation", Json.object().put("x", 0).put("y", rnd.nextInt(100) / 100.0).put("z", 0).put("w", 1));
        s.put("health", rnd.nextInt(101)).put("mana", rnd.nextInt(51));
        ArrayNode inventory = s.putArray("inventory");
        while (Json.bytes(s).length < size * 3 / 4) {
            inventory.add(Json.object().put("itemId", "item-" + rnd.nextInt(5000)).put("quantity", 1 + rnd.nextInt(99)));
        }
        int left = size - Json.bytes(s).length - ",\"note\":\"\"".length();
        StringBuilder note = new StringBuilder();
        for (int i = 0; i < left; i++) {
            note.append((char) ('a' + rnd.nextInt(26)));
        }
        s.put("note", note.toString());
        if (Json.bytes(s).length != size) {
            throw new IllegalArgumentException("cannot build a player state of exactly " + size + " bytes");
        }
        return s;
    }
}
