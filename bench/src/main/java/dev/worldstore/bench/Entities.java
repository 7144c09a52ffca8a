package dev.worldstore.bench;

import dev.worldstore.loadgen.HttpBench;
import java.nio.charset.StandardCharsets;

/**
 * The rows of the batch runs: Hyperfy-shaped entities (id, type, blueprint, position and quaternion
 * arrays, scale, state; loadgen's {@link HttpBench#entity}, the values {@code bench --http} posts),
 * key {@code k} being entity {@code e<k>} of world {@code w<(k / BATCH) mod 64>}, so that
 * {@link Options#BATCH} consecutive keys from a multiple of it belong to one world. worldstore and
 * SQLite write the same rows with the same JSON. Built once (about 200 bytes per entity, twice:
 * bytes and text).
 */
final class Entities {
    private final byte[][] bytes;
    private final String[] text;

    Entities(int count) {
        bytes = new byte[count][];
        text = new String[count];
        for (int k = 0; k < count; k++) {
            text[k] = HttpBench.entity(k, 0);
            bytes[k] = text[k].getBytes(StandardCharsets.UTF_8);
        }
    }

    int count() {
        return bytes.length;
    }

    static String worldId(int key) {
        return "w" + (key / Options.BATCH % Options.WORLDS);
    }

    static String entityId(int key) {
        return "e" + key;
    }

    byte[] bytes(int key) {
        return bytes[key];
    }

    String text(int key) {
        return text[key];
    }

    /** The mean size of an entity's JSON, in bytes. */
    int averageBytes() {
        long total = 0;
        for (byte[] b : bytes) {
            total += b.length;
        }
        return bytes.length == 0 ? 0 : (int) (total / bytes.length);
    }
}
