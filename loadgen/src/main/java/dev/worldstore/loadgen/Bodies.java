package dev.worldstore.loadgen;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** The request bodies of {@link HttpBench}'s batched modes: Hyperfy-shaped entities, batches of them, reads of them. Stateless. */
final class Bodies {
    private Bodies() {
    }

    /**
     * A Hyperfy-shaped entity of about 220 bytes: id, type, blueprint, position and quaternion
     * arrays, scale and a small state. Deterministic for {@code (id, tick)}.
     */
    static String entity(int id, int tick) {
        double a = (id * 37 + tick) % 360 * Math.PI / 180;
        return String.format(Locale.ROOT, "{\"id\":\"e%d\",\"type\":\"app\",\"blueprint\":\"bp-%d\",\"position\":[%.2f,0,%.2f],"
                + "\"quaternion\":[0,%.4f,0,%.4f],\"scale\":[1,1,1],\"mover\":null,\"uploader\":null,\"pinned\":false,"
                + "\"state\":{\"open\":%b,\"tick\":%d}}", id, id % 40, id % 100 * 1.5, id / 100 * 1.5, Math.sin(a / 2), Math.cos(a / 2),
                tick % 2 == 0, tick);
    }

    /** The body of one BATCH request: puts of {@code size} consecutive entities from {@code first} (mod {@code count}). */
    static byte[] batch(int first, int size, int count, int tick) {
        StringBuilder b = new StringBuilder(size * 260 + 16).append("{\"changes\":[");
        for (int i = 0; i < size; i++) {
            int id = (first + i) % count;
            b.append(i == 0 ? "" : ",").append("{\"op\":\"put\",\"table\":\"entity_states\",\"entityId\":\"e").append(id)
                    .append("\",\"value\":").append(entity(id, tick)).append('}');
        }
        return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The body of one READ request: {@code size} consecutive entity keys from {@code first} (mod {@code count}). */
    static byte[] read(int first, int size, int count) {
        StringBuilder b = new StringBuilder(size * 48 + 16).append("{\"keys\":[");
        for (int i = 0; i < size; i++) {
            b.append(i == 0 ? "" : ",").append("{\"table\":\"entity_states\",\"entityId\":\"e").append((first + i) % count).append("\"}");
        }
        return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }
}
