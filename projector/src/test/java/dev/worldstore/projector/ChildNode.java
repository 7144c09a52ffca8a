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
}
