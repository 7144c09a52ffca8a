package dev.worldstore.projector;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A poll's writes handed on in key order: the same result as the writes in the order they were
 * made, fewer of them where a later write of the same key replaces one.
 */
class KeyOrderedWritesTest {
    /** What reached a sink, one line per write ("PUT ENTITY_STATES b=2"), in the order it arrived. */
    private static final class Recorded implements WriteSink {
        final List<String> lines = new ArrayList<>();

        @Override
        public void put(Cf cf, byte[] key, byte[] value) {
            lines.add("PUT " + cf.name() + " " + new String(key, UTF_8) + "=" + new String(value, UTF_8));
        }

        @Override
        public void delete(Cf cf, byte[] key) {
            lines.add("DELETE " + cf.name() + " " + new String(key, UTF_8));
        }

        @Override
        public void merge(Cf cf, byte[] key, byte[] value) {
            lines.add("MERGE " + cf.name() + " " + new String(key, UTF_8) + "=" + new String(value, UTF_8));
        }
    }

    /**
     * A key-value store as RocksDB applies a batch: one sorted map per family; a merge appends its
     * operand to the value (an operator where the order of merges shows), a put replaces it, a
     * delete removes it.
     */
    private static final class Model implements WriteSink {
        final Map<Cf, TreeMap<String, String>> maps = new EnumMap<>(Cf.class);

        private TreeMap<String, String> map(Cf cf) {
            return maps.computeIfAbsent(cf, c -> new TreeMap<>());
        }

        @Override
        public void put(Cf cf, byte[] key, byte[] value) {
            map(cf).put(new String(key, UTF_8), new String(value, UTF_8));
        }

        @Override
        public void delete(Cf cf, byte[] key) {
            map(cf).remove(new String(key, UTF_8));
        }

        @Override
        public void merge(Cf cf, byte[] key, byte[] value) {
            map(cf).merge(new String(key, UTF_8), new String(value, UTF_8), String::concat);
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void handsWritesOnByFamilyThenKeyInUnsignedByteOrder() {
        KeyOrderedWrites writes = new KeyOrderedWrites();
        writes.put(Cf.HISTORY, b("b"), b("1"));
        writes.put(Cf.ENTITY_STATES, b("c"), b("2"));
        writes.put(Cf.ENTITY_STATES, new byte[] {(byte) 0xC3, (byte) 0xA9}, b("3")); // "é": above every ASCII byte, unsigned
        writes.put(Cf.ENTITY_STATES, b("a"), b("4"));
        writes.put(Cf.HISTORY, b("a"), b("5"));
        Recorded out = new Recorded();

        writes.drainTo(out);

        assertEquals(List.of("PUT ENTITY_STATES a=4", "PUT ENTITY_STATES c=2", "PUT ENTITY_STATES é=3",
                "PUT HISTORY a=5", "PUT HISTORY b=1"), out.lines);
        assertTrue(Cf.ENTITY_STATES.ordinal() < Cf.HISTORY.ordinal(), "the lines above assume this family order");
    }

    @Test
    void aPutOrDeleteReplacedByALaterPutOrDeleteOfTheSameKeyIsNotHandedOn() {
        KeyOrderedWrites writes = new KeyOrderedWrites();
        writes.put(Cf.ENTITY_STATES, b("door"), b("open"));
        writes.put(Cf.ENTITY_STATES, b("door"), b("shut"));
        writes.delete(Cf.ENTITY_STATES, b("gate"));
        writes.put(Cf.ENTITY_STATES, b("gate"), b("new"));
        writes.put(Cf.ENTITY_STATES, b("lamp"), b("on"));
        writes.delete(Cf.ENTITY_STATES, b("lamp"));
        Recorded out = new Recorded();

        writes.drainTo(out);

        assertEquals(List.of("PUT ENTITY_STATES door=shut", "PUT ENTITY_STATES gate=new", "DELETE ENTITY_STATES lamp"),
                out.lines);
    }

    @Test
    void mergesKeepTheirOrderAndAreDroppedOnlyBeforeALaterPutOrDelete() {
        KeyOrderedWrites writes = new KeyOrderedWrites();
        writes.put(Cf.LAST_SEEN, b("p1"), b("a"));
        writes.merge(Cf.LAST_SEEN, b("p1"), b("b"));
        writes.merge(Cf.LAST_SEEN, b("p1"), b("c"));
        writes.merge(Cf.LAST_SEEN, b("p2"), b("x"));
        writes.put(Cf.LAST_SEEN, b("p2"), b("y"));
        Recorded out = new Recorded();

        writes.drainTo(out);

        assertEquals(List.of("PUT LAST_SEEN p1=a", "MERGE LAST_SEEN p1=b", "MERGE LAST_SEEN p1=c", "PUT LAST_SEEN p2=y"),
                out.lines);
    }

    @Test
    void drainingEmptiesItForTheNextPoll() {
        KeyOrderedWrites writes = new KeyOrderedWrites();
        writes.put(Cf.ENTITY_STATES, b("a"), b("1"));
        writes.drainTo(new Recorded());
        Recorded second = new Recorded();

        writes.put(Cf.ENTITY_STATES, b("b"), b("2"));
        writes.drainTo(second);

        assertEquals(List.of("PUT ENTITY_STATES b=2"), second.lines);
    }

    @Test
    void anyMixOfWritesLeavesTheSameStateAsWritingThemInTheOrderMade() {
        Random random = new Random(20261130);
        Cf[] families = {Cf.ENTITY_STATES, Cf.HISTORY, Cf.LAST_SEEN};
        for (int round = 0; round < 500; round++) {
            Model inOrder = new Model();
            Model ordered = new Model();
            KeyOrderedWrites writes = new KeyOrderedWrites();
            // a state both models start from, so deletes and merges meet existing values
            for (Cf cf : families) {
                for (int k = 0; k < 4; k++) {
                    inOrder.put(cf, b("k" + k), b("s"));
                    ordered.put(cf, b("k" + k), b("s"));
                }
            }
            int n = random.nextInt(40);
            for (int i = 0; i < n; i++) {
                Cf cf = families[random.nextInt(families.length)];
                byte[] key = b("k" + random.nextInt(6));
                byte[] value = b(Integer.toString(i));
                switch (random.nextInt(3)) {
                    case 0 -> {
                        inOrder.put(cf, key, value);
                        writes.put(cf, key, value);
                    }
                    case 1 -> {
                        inOrder.delete(cf, key);
                        writes.delete(cf, key);
                    }
                    default -> {
                        inOrder.merge(cf, key, value);
                        writes.merge(cf, key, value);
                    }
                }
            }

            writes.drainTo(ordered);

            assertEquals(inOrder.maps, ordered.maps, "round " + round);
        }
    }

    @Test
    void keysOfAnyLengthAndBytesComeOutInUnsignedByteOrder() {
        Random random = new Random(7);
        byte[] alphabet = {0, 1, 0x61, 0x7F, (byte) 0x80, (byte) 0xFF};
        for (int round = 0; round < 200; round++) {
            // given distinct keys of 0 to 12 bytes, many sharing their first 8 bytes
            TreeMap<byte[], Integer> expected = new TreeMap<>(Arrays::compareUnsigned);
            KeyOrderedWrites writes = new KeyOrderedWrites();
            for (int i = 0; i < 30; i++) {
                byte[] key = new byte[random.nextInt(13)];
                for (int j = 0; j < key.length; j++) {
                    key[j] = alphabet[random.nextInt(j < 8 && random.nextInt(4) > 0 ? 2 : alphabet.length)];
                }
                if (expected.putIfAbsent(key, i) == null) {
                    writes.put(Cf.ENTITY_STATES, key, b(Integer.toString(i)));
                }
            }
            List<byte[]> out = new ArrayList<>();

            writes.drainTo(new WriteSink() {
                @Override
                public void put(Cf cf, byte[] key, byte[] value) {
                    out.add(key);
                }

                @Override
                public void delete(Cf cf, byte[] key) {
                    throw new AssertionError();
                }

                @Override
                public void merge(Cf cf, byte[] key, byte[] value) {
                    throw new AssertionError();
                }
            });

            assertEquals(expected.keySet().stream().map(Arrays::toString).toList(), out.stream().map(Arrays::toString).toList(),
                    "round " + round);
        }
    }

    @Test
    void keysAreComparedByContentNotByArrayIdentity() {
        KeyOrderedWrites writes = new KeyOrderedWrites();
        byte[] first = b("door");
        byte[] second = Arrays.copyOf(first, first.length);
        writes.put(Cf.ENTITY_STATES, first, b("1"));
        writes.put(Cf.ENTITY_STATES, second, b("2"));
        Recorded out = new Recorded();

        writes.drainTo(out);

        assertEquals(List.of("PUT ENTITY_STATES door=2"), out.lines);
    }
}
