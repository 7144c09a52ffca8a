package dev.worldstore.projector;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One poll's writes, handed on in key order: collected as the rules make them, then stably sorted
 * by column family and key (unsigned bytes, RocksDB's default comparator), a write dropped where a
 * later put or delete of the same key replaces it. Applied as one atomic batch, the result is the
 * same as the writes in the order they were made: the writes of one key keep their order, and what
 * is dropped was replaced within the batch (a merge only by a later put or delete, never by another
 * merge). Why: RocksDB's memtable is a skip list that remembers where its previous insert ended, so
 * keys that arrive in order are inserted from there instead of being searched for from the top;
 * a catch-up of world transactions spent ~40% of its apply thread in that search
 * ({@code InlineSkipList::FindSpliceForLevel} and the key comparator, perf, before this).
 * Not thread-safe (one per poll).
 */
final class KeyOrderedWrites implements WriteSink {
    private enum Op { PUT, DELETE, MERGE }

    /**
     * One write of the family whose list holds it; {@code value} is {@code null} for a delete;
     * {@code head} is the key's first 8 bytes as an unsigned big-endian number (zeros past a shorter
     * key's end).
     */
    private record Write(Op op, byte[] key, byte[] value, long head) {
        Write(Op op, byte[] key, byte[] value) {
            this(op, key, value, head(key));
        }

        private static long head(byte[] key) {
            long h = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                h = h << 8 | (i < key.length ? key[i] & 0xFF : 0);
            }
            return h;
        }
    }

    /**
     * Unsigned byte order of the keys: by their heads first (one comparison of two numbers, which
     * decides most pairs), by all their bytes where the heads are equal. A zero-padded head never
     * orders two keys differently from their bytes: where the heads differ, the first differing
     * byte (or a shorter key's end, padded below every byte or equal to a zero byte) decides both.
     */
    private static final Comparator<Write> KEY_ORDER = (a, b) -> {
        int c = Long.compareUnsigned(a.head, b.head);
        return c != 0 ? c : Arrays.compareUnsigned(a.key, b.key);
    };
    private static final Cf[] FAMILIES = Cf.values();

    /**
     * The writes of each family (by ordinal; null until its first), in the order made. Sorted per
     * family: a family's keys often arrive in ascending runs (a batch's entities, a partition's
     * positions), which the sort merges instead of comparing one by one.
     */
    private final List<Write>[] byFamily = newLists(FAMILIES.length);

    @Override
    public void put(Cf cf, byte[] key, byte[] value) {
        add(cf, new Write(Op.PUT, key, value));
    }

    @Override
    public void delete(Cf cf, byte[] key) {
        add(cf, new Write(Op.DELETE, key, null));
    }

    @Override
    public void merge(Cf cf, byte[] key, byte[] value) {
        add(cf, new Write(Op.MERGE, key, value));
    }

    private void add(Cf cf, Write w) {
        List<Write> writes = byFamily[cf.ordinal()];
        if (writes == null) {
            writes = new ArrayList<>();
            byFamily[cf.ordinal()] = writes;
        }
        writes.add(w);
    }

    /**
     * Hands the collected writes to {@code to} in key order, without the replaced ones, and forgets
     * them (this is then empty and may collect again). Whatever {@code to} throws propagates.
     */
    void drainTo(WriteSink to) {
        for (int f = 0; f < byFamily.length; f++) {
            List<Write> writes = byFamily[f];
            if (writes == null || writes.isEmpty()) {
                continue;
            }
            Cf cf = FAMILIES[f];
            writes.sort(KEY_ORDER); // List.sort is stable: writes of one key keep their order
            int n = writes.size();
            for (int i = 0; i < n; i++) {
                Write w = writes.get(i);
                if (i + 1 < n) {
                    Write next = writes.get(i + 1);
                    if (next.op != Op.MERGE && next.head == w.head && Arrays.equals(next.key, w.key)) {
                        continue; // replaced by the next write of the same key
                    }
                }
                switch (w.op) {
                    case PUT -> to.put(cf, w.key, w.value);
                    case DELETE -> to.delete(cf, w.key);
                    case MERGE -> to.merge(cf, w.key, w.value);
                }
            }
            writes.clear();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Write>[] newLists(int n) {
        return (List<Write>[]) new List<?>[n];
    }
}
