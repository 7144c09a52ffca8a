package dev.worldstore.projector;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What one {@link ProjectionRules.Poll} reads and writes: reads see the poll's own earlier writes
 * (an overlay over the projection's state), writes go to the poll's {@link WriteSink}. Not
 * thread-safe (one per poll).
 */
final class PollOverlay {
    private static final byte[] TOMBSTONE = new byte[0];

    private final StateView state;
    private final WriteSink out;
    private final Map<CfKey, byte[]> overlay = new HashMap<>(1024);

    PollOverlay(StateView state, WriteSink out) {
        this.state = state;
        this.out = out;
    }

    /** The value of {@code key} in {@code cf} as this poll left it (its own writes first), or {@code null}. */
    byte[] read(Cf cf, byte[] key) {
        byte[] v = overlay.get(new CfKey(cf, key));
        if (v != null) {
            return v == TOMBSTONE ? null : v;
        }
        return state.get(cf, key);
    }

    void put(Cf cf, byte[] key, byte[] value) {
        out.put(cf, key, value);
        overlay.put(new CfKey(cf, key), value);
    }

    void delete(Cf cf, byte[] key) {
        out.delete(cf, key);
        overlay.put(new CfKey(cf, key), TOMBSTONE);
    }

    /** A key of a column family, compared by content (byte arrays are not). */
    record CfKey(Cf cf, byte[] key) {
        @Override
        public boolean equals(Object o) {
            return o instanceof CfKey k && k.cf == cf && Arrays.equals(k.key, key);
        }

        @Override
        public int hashCode() {
            return cf.ordinal() * 31 + Arrays.hashCode(key); // perf: ordinal, not Enum.hashCode (an identity hash)
        }

        @Override
        public String toString() {
            return cf + ":" + Arrays.toString(key);
        }
    }
}
