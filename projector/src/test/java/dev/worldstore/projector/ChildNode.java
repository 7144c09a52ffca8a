package dev.worldstore.projector;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.Change;
import dev.worldstore.Condition;
import dev.worldstore.ConflictException;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.Stored;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.WorldStoreException;
import dev.worldstore.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * A worldstore node in its own JVM, driven by the tests over stdin/stdout, one command per line.
 *
 * <pre>
 * save WORLD PLAYER JSON          -> OK VERSION POSITION | ERR CODE
 * load WORLD PLAYER POSITION|-    -> VAL VERSION JSON | NONE
 * incr WORLD KEY TIMES            -> INCR APPLIED CONFLICTS   (expected-version loop on app data)
 * writer WORLD COUNT              -> ACK PLAYER VERSION I per acknowledged save, then DONE
 * batches WORLD K COUNT           -> ACK I POSITION per acknowledged batch I (K keys, each set to counter I), then DONE
 * quit                            -> BYE, and the JVM exits
 * </pre>
 */
public final class ChildNode {
    private ChildNode() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        String dataDir = args[2];
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (WorldStore store = WorldStores.open(WorldStoreConfig.of("kafka.bootstrap.servers", bootstrap, "kafka.topic", topic,
                "kafka.topic.partitions", "3", "data.dir", dataDir))) {
            out.println("READY " + store.nodeId());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] p = line.split(" ", 4);
                try {
                    switch (p[0]) {
                        case "save" -> {
                            Saved s = store.world(p[1]).savePlayerState(p[2], Json.parse(p[3]));
                            out.println("OK " + s.version() + " " + s.position());
                        }
                        case "load" -> {
                            ReadConsistency c = p[3].equals("-") ? ReadConsistency.OWN_WRITES
                                    : ReadConsistency.atLeast(LogPosition.parse(p[3]));
                            Optional<Stored> v = store.read(new Key.PlayerState(p[1], p[2]), c);
                            out.println(v.map(s -> "VAL " + s.version() + " " + Json.text(s.value())).orElse("NONE"));
                        }
                        case "incr" -> out.println(increment(store, p[1], p[2], Integer.parseInt(p[3])));
                        case "writer" -> writer(store, p[1], Long.parseLong(p[2]), out);
                        case "batches" -> batches(store, p[1], Integer.parseInt(p[2]), Long.parseLong(p[3]), out);
                        case "quit" -> {
                            out.println("BYE");
                            return;
                        }
                        default -> out.println("ERR UNKNOWN_COMMAND");
                    }
                } catch (WorldStoreException e) {
                    out.println("ERR " + e.code());
                }
            }
        }
    }

    /** Adds one to the app value {@code {"n":…}} TIMES times, each with a compare-and-set retry loop. */
    static String increment(WorldStore store, String world, String key, int times) {
        Key.AppData k = new Key.AppData(world, "counter-app", null, key);
        int conflicts = 0;
        for (int i = 0; i < times; i++) {
            while (true) {
                Optional<Stored> current = store.read(k, ReadConsistency.OWN_WRITES);
                long n = current.map(s -> s.value().get("n").asLong()).orElse(0L);
                Condition c = current.map(s -> Condition.version(s.version())).orElse(Condition.absent());
                try {
                    store.write(new Change(k, dev.worldstore.Op.PUT, Json.object().put("n", n + 1), c, "child"));
                    break;
                } catch (ConflictException e) {
                    // This node's projector decided the conflict, so it has applied the newer version: re-read.
                    conflicts++;
                }
            }
        }
        return "INCR " + times + " " + conflicts;
    }

    /** Saves as fast as Kafka takes them, 64 in flight, printing every acknowledgement. Never returns normally before COUNT. */
    private static void writer(WorldStore store, String world, long count, PrintStream out) throws InterruptedException {
        Semaphore inFlight = new Semaphore(64);
        for (long i = 0; i < count; i++) {
            inFlight.acquire();
            String player = "p" + (i % 500);
            JsonNode value = Json.object().put("i", i).put("pad", "x".repeat(200));
            long n = i;
            store.writeAsync(Change.put(new Key.PlayerState(world, player), value)).whenComplete((s, e) -> {
                if (e == null) {
                    synchronized (out) {
                        out.println("ACK " + player + " " + s.version() + " " + n);
                    }
                }
                inFlight.release();
            });
        }
        inFlight.acquire(64);
        out.println("DONE");
    }

    /** After this many acknowledged batches, {@code batches} takes a snapshot: RocksDB is flushed mid-stream. */
    static final int BATCHES_FLUSH_AT = 100;

    /**
     * The K keys {@code batches} sets, across every table of a world: its state, then player states,
     * app data and entities in turn.
     */
    static List<Key> counterKeys(String world, int k) {
        List<Key> keys = new ArrayList<>(k);
        keys.add(new Key.WorldState(world));
        for (int j = 1; keys.size() < k; j++) {
            switch (j % 3) {
                case 1 -> keys.add(new Key.PlayerState(world, "p" + j));
                case 2 -> keys.add(new Key.AppData(world, "counter-app", "p" + j, "c" + j));
                default -> keys.add(new Key.Entity(world, "e" + j));
            }
        }
        return keys;
    }

    /** The value {@code batches} gives {@code key} in batch {@code i}: {@code {"counter": i}} (an entity also carries its id). */
    static JsonNode counterValue(Key key, long i) {
        com.fasterxml.jackson.databind.node.ObjectNode v = Json.object();
        if (key instanceof Key.Entity e) {
            v.put("id", e.entityId());
        }
        return v.put("counter", i).put("pad", "x".repeat(100));
    }

    /**
     * Commits COUNT batches, each setting the K {@link #counterKeys} to counter I, 64 in flight (the
     * idempotent producer keeps them in order), printing every acknowledgement. Takes a snapshot
     * after {@link #BATCHES_FLUSH_AT} acknowledgements, so a later kill leaves a flushed prefix on
     * disk. Never returns normally before COUNT.
     */
    private static void batches(WorldStore store, String world, int k, long count, PrintStream out) throws InterruptedException {
        List<Key> keys = counterKeys(world, k);
        Semaphore inFlight = new Semaphore(64);
        java.util.concurrent.atomic.AtomicLong acked = new java.util.concurrent.atomic.AtomicLong();
        boolean flushed = false;
        for (long i = 0; i < count; i++) {
            inFlight.acquire();
            List<Change> changes = new ArrayList<>(k);
            for (Key key : keys) {
                changes.add(Change.put(key, counterValue(key, i)));
            }
            long n = i;
            store.writeBatchAsync(world, changes, "child-batcher").whenComplete((s, e) -> {
                if (e == null) {
                    synchronized (out) {
                        out.println("ACK " + n + " " + s.position());
                    }
                    acked.incrementAndGet();
                }
                inFlight.release();
            });
            if (!flushed && acked.get() >= BATCHES_FLUSH_AT) {
                store.operations().takeSnapshot();
                flushed = true;
            }
        }
        inFlight.acquire(64);
        out.println("DONE");
    }
}
