package dev.worldstore.loadgen;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Json;
import java.util.Random;

/** A fixed set of player states of one serialized size, built once (so memory stays bounded). */
final class Payloads {
    private final ObjectNode[] variants;

    Payloads(int bytes, int count) {
        Random rnd = new Random(7);
        variants = new ObjectNode[count];
        for (int v = 0; v < count; v++) {
            variants[v] = build(bytes, rnd);
        }
    }

    ObjectNode get(long i) {
        return variants[(int) (i % variants.length)];
    }

    static ObjectNode build(int bytes, Random rnd) {
        ObjectNode s = Json.object();
        s.set("position", Json.object().put("x", rnd.nextInt(1000)).put("y", rnd.nextInt(100)).put("z", rnd.nextInt(1000)));
        s.set("rotation", Json.object().put("x", 0).put("y", Math.round(rnd.nextDouble() * 100) / 100.0).put("z", 0).put("w", 1));
        s.put("health", rnd.nextInt(101)).put("mana", rnd.nextInt(51));
        ObjectNode skills = s.putObject("skills");
        skills.putObject("combat").put("level", rnd.nextInt(50)).put("xp", rnd.nextInt(100_000));
        skills.putObject("magic").put("level", rnd.nextInt(50)).put("xp", rnd.nextInt(100_000));
        ArrayNode inv = s.putArray("inventory");
        while (true) {
            ObjectNode item = Json.object().put("itemId", "item-" + rnd.nextInt(5000)).put("quantity", 1 + rnd.nextInt(99))
                    .put("durability", rnd.nextInt(101));
            if (size(s) + size(item) + 1 + 12 > bytes) {
                break;
            }
            inv.add(item);
        }
        int left = bytes - size(s) - ",\"note\":\"\"".length();
        StringBuilder note = new StringBuilder();
        while (note.length() < left) {
            note.append((char) ('a' + rnd.nextInt(26)));
        }
        s.put("note", note.toString());
        return s;
    }

    private static int size(ObjectNode n) {
        return Json.bytes(n).length;
    }
}
