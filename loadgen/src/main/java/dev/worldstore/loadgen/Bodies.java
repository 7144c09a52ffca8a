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
        return appendEntity(new StringBuilder(256), id, tick).toString();
    }

    /**
     * Appends {@link #entity}'s text to {@code b}. Built without {@code String.format}: the load
     * generator shares the CPU with the server it measures, and formatting a batch's doubles was
     * 29% of its samples; the quaternion's texts come from {@link #HALF_ANGLES}, the positions
     * (multiples of 1.5) are written digit by digit, so the text is the same as the format's.
     */
    static StringBuilder appendEntity(StringBuilder b, int id, int tick) {
        String[] q = HALF_ANGLES[(id * 37 + tick) % 360 + 359];
        b.append("{\"id\":\"e").append(id).append("\",\"type\":\"app\",\"blueprint\":\"bp-").append(id % 40)
                .append("\",\"position\":[");
        threeHalves(b, id % 100).append(",0,");
        threeHalves(b, id / 100).append("],\"quaternion\":[0,").append(q[0]).append(",0,").append(q[1])
                .append("],\"scale\":[1,1,1],\"mover\":null,\"uploader\":null,\"pinned\":false,\"state\":{\"open\":")
                .append(tick % 2 == 0).append(",\"tick\":").append(tick).append("}}");
        return b;
    }

    /** {@code m * 1.5} with two decimals, as {@code %.2f} writes it (m of either sign). */
    private static StringBuilder threeHalves(StringBuilder b, int m) {
        int halves = 3 * m;
        if (halves < 0) {
            b.append('-');
            halves = -halves;
        }
        return b.append(halves / 2).append(halves % 2 == 0 ? ".00" : ".50");
    }

    /** At {@code d + 359}, per whole degree {@code d} of -359 to 359: sin and cos of half of it, as {@code %.4f} writes them. */
    private static final String[][] HALF_ANGLES = new String[719][];

    static {
        for (int d = -359; d < 360; d++) {
            double a = d * Math.PI / 180;
            HALF_ANGLES[d + 359] = new String[] {String.format(Locale.ROOT, "%.4f", Math.sin(a / 2)),
                String.format(Locale.ROOT, "%.4f", Math.cos(a / 2))};
        }
    }

    /** The body of one BATCH request: puts of {@code size} consecutive entities from {@code first} (mod {@code count}). */
    static byte[] batch(int first, int size, int count, int tick) {
        StringBuilder b = new StringBuilder(size * 260 + 16).append("{\"changes\":[");
        for (int i = 0; i < size; i++) {
            int id = (first + i) % count;
            b.append(i == 0 ? "" : ",").append("{\"op\":\"put\",\"table\":\"entity_states\",\"entityId\":\"e").append(id)
                    .append("\",\"value\":");
            appendEntity(b, id, tick).append('}');
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
