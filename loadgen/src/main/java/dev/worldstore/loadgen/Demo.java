package dev.worldstore.loadgen;

import static dev.worldstore.loadgen.DemoData.APP;
import static dev.worldstore.loadgen.DemoData.shorten;
import static dev.worldstore.loadgen.DemoData.worldState;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.BatchSaved;
import dev.worldstore.Change;
import dev.worldstore.ChangeFeed;
import dev.worldstore.ChangeRecord;
import dev.worldstore.Condition;
import dev.worldstore.ConflictException;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.Saved;
import dev.worldstore.Stored;
import dev.worldstore.UsernameTakenException;
import dev.worldstore.World;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.WorldStoreException;
import dev.worldstore.projector.WorldStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * {@code worldstore demo}: two nodes, two simulated world servers writing one world, then a short
 * report of what each sees of the other. Node A runs the embedded broker (on a free port) unless
 * Kafka is configured, node B its own projection of A's Kafka; the data goes to a fresh temporary
 * folder unless {@code data.dir} is set, so it never collides with anything.
 *
 * <p>One instance makes one run at a time; not thread-safe.
 */
public final class Demo {
    private final int seconds;
    private final PrintWriter out;

    /**
     * @param seconds how long the simulated servers run, in seconds; 1 to 3600
     * @param out where the report goes; not null; flushed, not closed
     * @throws IllegalArgumentException if {@code seconds} is out of range
     */
    public Demo(int seconds, PrintWriter out) {
        if (seconds < 1 || seconds > 3600) {
            throw new IllegalArgumentException("seconds must be between 1 and 3600, was " + seconds);
        }
        this.seconds = seconds;
        this.out = Objects.requireNonNull(out, "out");
    }

    /**
     * Opens both nodes, runs both servers for the configured seconds, waits until each node has
     * projected what the other's server wrote, and prints the report: what each node sees of the
     * other's changes, the world state, two rules at work (case-insensitive usernames, no lost
     * update), throughput and latencies. Blocks for the whole run; closes both nodes and removes the
     * temporary folder before returning. On an external cluster without {@code kafka.topic} it uses
     * the topic {@code worldstore.demo} (kept).
     *
     * @param storeSettings the store configuration keys the caller set explicitly ({@link WorldStoreConfig}
     *     keys and {@code kafka.*} pass-through keys, by name); not null, may be empty
     * @return the number of distinct errors the simulated servers hit (the report names the first); 0 when all went well
     * @throws dev.worldstore.ConfigException if the settings are invalid
     * @throws dev.worldstore.WorldStoreException if a node cannot open, or a wait for the other node's projection times out
     * @throws IOException if the temporary folder cannot be created
     * @throws InterruptedException if the calling thread is interrupted
     */
    public int run(Map<String, String> storeSettings) throws IOException, InterruptedException {
        NodeConfig settings = NodeConfig.of(storeSettings);
        boolean tempDir = !settings.isSet(WorldStoreConfig.DATA_DIR.name());
        Path base = tempDir ? Files.createTempDirectory("worldstore-demo-") : settings.config().dataDir();
        String run = UUID.randomUUID().toString().substring(0, 6);
        WorldStore a = null;
        WorldStore b = null;
        try {
            // Never collide: a free broker port, and on a real cluster a demo topic rather than the store's own.
            NodeConfig sa = settings.with("data.dir", base.resolve("node-a").toString()).with("node.id", "demo-a")
                    .withDefault("kafka.embedded.port", "0");
            if (!sa.config().embeddedKafka()) {
                sa = sa.withDefault(WorldStoreConfig.KAFKA_TOPIC.name(), "worldstore.demo");
            }
            a = WorldStores.open(sa.config(), new SimpleMeterRegistry(), Clock.systemUTC());
            String bootstrap = a.operations().bootstrapServers();
            NodeConfig sb = sa.with("data.dir", base.resolve("node-b").toString()).with("node.id", "demo-b")
                    .with("kafka.bootstrap.servers", bootstrap);
            b = WorldStores.open(sb.config(), new SimpleMeterRegistry(), Clock.systemUTC());

            String worldId = "demo-" + run;
            out.printf("worldstore demo: 2 nodes, 2 simulated world servers, world %s, %d s%n", worldId, seconds);
            out.printf("  node A %s: %s Kafka %s, projection in %s%n", a.nodeId(),
                    sa.config().embeddedKafka() ? "embedded" : "external", bootstrap, base.resolve("node-a"));
            out.printf("  node B %s: node A's Kafka, own projection in %s, topic %s%n", b.nodeId(), base.resolve("node-b"),
                    sa.config().get(WorldStoreConfig.KAFKA_TOPIC));
            out.flush();

            DemoServer simA = new DemoServer("A", a, worldId, run, new String[] {"Alice", "Bob"});
            DemoServer simB = new DemoServer("B", b, worldId, run, new String[] {"Carol", "Dave"});
            // Server A creates the world; from then on both servers only patch it, each its own fields.
            simA.timedSave(() -> simA.world.saveWorldState(worldState()), new Key.WorldState(worldId), 2);
            simA.timedSave(() -> simA.world.saveAppData(APP, null, "settings", Json.object().put("difficulty", "hard").put("pvpEnabled", true)),
                    new Key.AppData(worldId, APP, null, "settings"), 3);
            simA.setUp();
            simB.setUp();

            long start = System.nanoTime();
            long deadline = start + seconds * 1_000_000_000L;
            List<Thread> threads = new ArrayList<>();
            threads.addAll(simA.start(deadline));
            threads.addAll(simB.start(deadline));
            for (Thread t : threads) {
                t.join();
            }
            long elapsed = System.nanoTime() - start;

            // Each node waits until its projection includes everything the other server wrote.
            simA.awaitOn(b);
            simB.awaitOn(a);
            out.println();
            out.println(simA.wrote());
            out.println(simB.wrote());
            out.println();
            simA.report(b, "B", out);
            simB.report(a, "A", out);

            out.println();
            ObjectNode ws = b.world(worldId).loadWorldState().orElseThrow();
            ObjectNode shown = Json.object();
            for (String f : new String[] {"time", "weather", "servers"}) {
                shown.set(f, ws.get(f));
            }
            out.println("World state as node B loads it (A patches weather, B patches time, each its servers entry):");
            out.println("  " + shorten(Json.text(shown), 110) + " + " + (ws.size() - shown.size()) + " more fields from A's first save");
            out.println("Rules at work:");
            usernameRule(simA, b, out);
            lostUpdateRule(simA, a, b, out);
            tradeRule(simA, a, b, out);

            long saves = simA.saves.sum() + simB.saves.sum();
            Histogram save = Latency.histogram();
            save.add(simA.saveLatency);
            save.add(simB.saveLatency);
            Histogram load = Latency.histogram();
            load.add(simA.loadLatency);
            load.add(simB.loadLatency);
            out.println();
            out.printf("Throughput: %s saves in %s = %s (%d threads, each save waits for Kafka's ack)%n", Latency.count(saves),
                    Latency.seconds(elapsed), Latency.rate(saves / (elapsed / 1e9)), threads.size());
            out.printf("  %-22s %9s %9s %9s %9s %9s%n", "latency", "count", "p50", "p99", "p99.9", "max");
            row(out, "save (sync)", save);
            row(out, "load (read-your-writes)", load);

            List<String> errors = Stream.concat(simA.errors.stream(), simB.errors.stream()).toList();
            if (!errors.isEmpty()) {
                out.println("Errors: " + errors.size() + ", first: " + errors.get(0));
            }
            return errors.size();
        } finally {
            out.flush();
            closeQuietly(b);
            closeQuietly(a);
            if (tempDir) {
                Dirs.deleteRecursively(base);
            }
        }
    }

    private static void row(PrintWriter out, String name, Histogram h) {
        out.printf("  %-22s %9s %9s %9s %9s %9s%n", name, Latency.count(h.getTotalCount()), Latency.p(h, 50), Latency.p(h, 99),
                Latency.p(h, 99.9), Latency.max(h));
    }

    /** A registration of a case variant of a taken username is refused on every node. */
    private static void usernameRule(DemoServer owner, WorldStore other, PrintWriter out) {
        String variant = owner.usernames.get(0).toUpperCase(Locale.ROOT);
        try {
            other.registerPlayer(null, variant);
            out.printf("  username '%s' on node B: accepted (unexpected!)%n", variant);
        } catch (UsernameTakenException e) {
            out.printf("  register '%s' on node B: refused, '%s' holds it (usernames are case-insensitive)%n", variant,
                    owner.usernames.get(0));
        }
    }

    /** B read a player's state, A changed it, B's save expecting the version it read is refused: no lost update. */
    private static void lostUpdateRule(DemoServer owner, WorldStore a, WorldStore b, PrintWriter out) {
        Key.PlayerState key = new Key.PlayerState(owner.worldId, owner.players.get(0));
        Stored seen = b.read(key).orElseThrow();
        Saved changed = a.world(owner.worldId).patchPlayerState(key.playerId(), Json.object().put("health", 42), Condition.any());
        b.awaitPosition(changed.position(), Duration.ofSeconds(10));
        ObjectNode stale = ((ObjectNode) seen.value().deepCopy()).put("health", 1);
        try {
            b.write(Change.put(key, stale).withCondition(Condition.version(seen.version())));
            out.println("  stale save on node B: applied (unexpected!)");
        } catch (ConflictException e) {
            out.printf("  save on node B expecting version %d of %s: refused, A changed it to version %d (no lost update)%n",
                    seen.version(), key.playerId(), e.actualVersion().orElse(-1));
        }
    }

    /**
     * A trade is one batch: server A moves a potion from one player's inventory to the other's, both
     * saves conditional on the versions it read, applied together or not at all; server B, watching
     * node B's change feed, receives it as one event with both changes.
     */
    private static void tradeRule(DemoServer owner, WorldStore a, WorldStore b, PrintWriter out) {
        String giver = owner.players.get(0);
        String taker = owner.players.get(1);
        World world = a.world(owner.worldId);
        try (ChangeFeed feed = b.changes(owner.worldId, null)) {
            List<Optional<Stored>> read = world.readMany(List.of(new Key.PlayerState(owner.worldId, giver),
                    new Key.PlayerState(owner.worldId, taker)));
            Stored from = read.get(0).orElseThrow();
            Stored to = read.get(1).orElseThrow();
            ObjectNode fromState = (ObjectNode) from.value().deepCopy();
            ObjectNode toState = (ObjectNode) to.value().deepCopy();
            moveOne(fromState, toState, "potion");
            BatchSaved trade = world.batch()
                    .savePlayerState(giver, fromState, Condition.version(from.version()))
                    .savePlayerState(taker, toState, Condition.version(to.version()))
                    .commit();
            int changes = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (changes == 0 && System.nanoTime() < deadline) {
                for (ChangeRecord r : feed.poll(Duration.ofMillis(200))) {
                    if (r.position().equals(trade.position())) {
                        changes++;
                    }
                }
            }
            out.printf("  trade on node A: %s gives %s a potion as one batch at %s (both inventories, each conditional on the "
                    + "version read)%n", giver, taker, trade.position());
            out.printf("  node B's change feed: one batch event at %s with %d changes: the trade whole, never half%n", trade.position(),
                    changes);
        } catch (WorldStoreException e) {
            out.println("  trade: " + e.getMessage());
        }
    }

    /** Moves one {@code itemId} from one inventory to the other (quantity counts). */
    private static void moveOne(ObjectNode from, ObjectNode to, String itemId) {
        for (JsonNode item : from.withArray("inventory")) {
            if (itemId.equals(item.path("itemId").asText()) && item.path("quantity").asInt() > 0) {
                ((ObjectNode) item).put("quantity", item.path("quantity").asInt() - 1);
                for (JsonNode mine : to.withArray("inventory")) {
                    if (itemId.equals(mine.path("itemId").asText())) {
                        ((ObjectNode) mine).put("quantity", mine.path("quantity").asInt() + 1);
                        return;
                    }
                }
                to.withArray("inventory").addObject().put("itemId", itemId).put("quantity", 1);
                return;
            }
        }
    }

    private static void closeQuietly(WorldStore s) {
        if (s != null) {
            try {
                s.close();
            } catch (RuntimeException e) {
                // reported by the store's own log
            }
        }
    }
}
