package dev.worldstore.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Change;
import dev.worldstore.Condition;
import dev.worldstore.ConflictException;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.PlayerRecord;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.Stored;
import dev.worldstore.UsernameTakenException;
import dev.worldstore.World;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.Json;
import dev.worldstore.loadgen.Latency;
import dev.worldstore.projector.WorldStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Two nodes, two simulated world servers writing one world, then a short report of what each sees
 * of the other. Uses a fresh temp data dir and an embedded broker on a free port unless told
 * otherwise, so it never collides with anything.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
        description = "Start two nodes (A with the embedded broker, B with its own projection on A's Kafka), run a simulated "
                + "world server on each for a few seconds on one world, and show what each sees of the other's changes. "
                + "Uses a fresh temp data dir and a free broker port unless --data.dir / --kafka.* options say otherwise.")
final class DemoCommand extends StoreCommand {
    static final String APP = "my-rpg-app";

    @Option(names = "--seconds", paramLabel = "N", defaultValue = "5", description = "How long the servers run. Default: ${DEFAULT-VALUE}.")
    int seconds;

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || seconds > 3600) {
            throw new dev.worldstore.ConfigException("--seconds", "must be between 1 and 3600, was " + seconds);
        }
        Settings settings = settings();
        boolean tempDir = !settings.isSet(WorldStoreConfig.DATA_DIR.name());
        Path base = tempDir ? Files.createTempDirectory("worldstore-demo-") : settings.storeConfig().dataDir();
        String run = UUID.randomUUID().toString().substring(0, 6);
        PrintWriter out = out();
        WorldStore a = null;
        WorldStore b = null;
        Logging quietLogs = Logging.quiet(verbose);
        try {
            // Never collide: a free broker port, and on a real cluster a demo topic rather than the store's own.
            Settings sa = settings.with("data.dir", base.resolve("node-a").toString()).with("node.id", "demo-a")
                    .withDefault("kafka.embedded.port", "0");
            if (!sa.storeConfig().embeddedKafka()) {
                sa = sa.withDefault(WorldStoreConfig.KAFKA_TOPIC.name(), "worldstore.demo");
            }
            a = WorldStores.open(sa.storeConfig(), new SimpleMeterRegistry(), Clock.systemUTC());
            String bootstrap = a.operations().bootstrapServers();
            Settings sb = sa.with("data.dir", base.resolve("node-b").toString()).with("node.id", "demo-b")
                    .with("kafka.bootstrap.servers", bootstrap);
            b = WorldStores.open(sb.storeConfig(), new SimpleMeterRegistry(), Clock.systemUTC());

            String worldId = "demo-" + run;
            out.printf("worldstore demo: 2 nodes, 2 simulated world servers, world %s, %d s%n", worldId, seconds);
            out.printf("  node A %s: %s Kafka %s, projection in %s%n", a.nodeId(),
                    sa.storeConfig().embeddedKafka() ? "embedded" : "external", bootstrap, base.resolve("node-a"));
            out.printf("  node B %s: node A's Kafka, own projection in %s, topic %s%n", b.nodeId(), base.resolve("node-b"),
                    sa.storeConfig().get(WorldStoreConfig.KAFKA_TOPIC));
            out.flush();

            Sim simA = new Sim("A", a, worldId, run, new String[] {"Alice", "Bob"});
            Sim simB = new Sim("B", b, worldId, run, new String[] {"Carol", "Dave"});
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
                return Main.EXIT_FAILURE;
            }
            return Main.EXIT_OK;
        } finally {
            out.flush();
            closeQuietly(b);
            closeQuietly(a);
            if (tempDir) {
                deleteRecursively(base);
            }
            quietLogs.close();
        }
    }

    private static void row(PrintWriter out, String name, Histogram h) {
        out.printf("  %-22s %9s %9s %9s %9s %9s%n", name, Latency.count(h.getTotalCount()), Latency.p(h, 50), Latency.p(h, 99),
                Latency.p(h, 99.9), Latency.max(h));
    }

    /** A registration of a case variant of a taken username is refused on every node. */
    private static void usernameRule(Sim owner, WorldStore other, PrintWriter out) {
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
    private static void lostUpdateRule(Sim owner, WorldStore a, WorldStore b, PrintWriter out) {
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

    static ObjectNode worldState() {
        ObjectNode s = Json.object().put("time", "day").put("weather", "sunny");
        s.putArray("npcs").addObject().put("id", "merchant").set("position", vec(0, 0, 0));
        s.putObject("quests").putObject("main_quest").put("stage", 3).put("completed", false);
        s.putObject("metadata").put("version", 1).putObject("settings").put("maxPlayers", 64);
        return s;
    }

    static ObjectNode vec(double x, double y, double z) {
        return Json.object().put("x", round(x)).put("y", round(y)).put("z", round(z));
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
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

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("warning: could not delete " + dir + ": " + e.getMessage());
        }
    }

    // ---- one simulated world server ---------------------------------------------------------------

    /** A world server on one node: two players moving, three entities, world and app data. */
    static final class Sim {
        final String name;
        final WorldStore store;
        final World world;
        final String worldId;
        final List<String> players = new ArrayList<>();
        final List<String> usernames = new ArrayList<>();
        final List<String> entities = new ArrayList<>();
        /** Keys this server wrote, with their table index (0 players, 1 entities, 2 world, 3 app data). */
        final Map<Key, Integer> written = new ConcurrentHashMap<>();
        final Map<Integer, Long> lastOffset = new ConcurrentHashMap<>();
        final LongAdder saves = new LongAdder();
        final LongAdder[] perTable = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};
        final ConcurrentHistogram saveLatency = Latency.concurrent();
        final ConcurrentHistogram loadLatency = Latency.concurrent();
        final Set<String> errors = ConcurrentHashMap.newKeySet();

        Sim(String name, WorldStore store, String worldId, String run, String[] names) {
            this.name = name;
            this.store = store;
            this.world = store.world(worldId);
            this.worldId = worldId;
            for (String n : names) {
                players.add(n.toLowerCase(Locale.ROOT) + "-" + run);
                usernames.add(n + "_" + run);
            }
            for (int i = 1; i <= 3; i++) {
                entities.add("crate-" + name.toLowerCase(Locale.ROOT) + "-" + i);
            }
        }

        Saved track(Saved s, Key key, int table) {
            written.put(key, table);
            lastOffset.merge(s.position().partition(), s.position().offset(), Math::max);
            saves.increment();
            perTable[table].increment();
            return s;
        }

        /** Registers the players and saves their first full state and the entities. */
        void setUp() {
            for (int i = 0; i < players.size(); i++) {
                PlayerRecord r = store.registerPlayer(players.get(i), usernames.get(i));
                int registrations = store.operations().playersPartition();
                lastOffset.merge(registrations, r.version(), Math::max);
                written.put(new Key.Player(r.id()), 0);
                String p = players.get(i);
                int n = i;
                timedSave(() -> world.savePlayerState(p, playerState(n, 0)), new Key.PlayerState(worldId, p), 0);
                timedSave(() -> world.saveAppData(APP, p, "character", character(n, 0)), new Key.AppData(worldId, APP, p, "character"), 3);
            }
            for (int i = 0; i < entities.size(); i++) {
                String id = entities.get(i);
                int n = i;
                timedSave(() -> world.saveEntity(entity(id, n, 0)), new Key.Entity(worldId, id), 1);
            }
        }

        List<Thread> start(long deadline) {
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < players.size(); i++) {
                int n = i;
                ts.add(thread("player-" + players.get(i), () -> playerLoop(n, deadline)));
            }
            ts.add(thread("world", () -> worldLoop(deadline)));
            ts.forEach(Thread::start);
            return ts;
        }

        private Thread thread(String what, Runnable r) {
            Thread t = new Thread(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    errors.add("server " + name + " " + what + ": " + e.getMessage());
                }
            }, "demo-" + name + "-" + what);
            t.setDaemon(true);
            return t;
        }

        private void playerLoop(int n, long deadline) {
            String p = players.get(n);
            Key.PlayerState key = new Key.PlayerState(worldId, p);
            for (int tick = 1; System.nanoTime() < deadline; tick++) {
                double a = tick / 10.0 + n;
                int t = tick;
                if (tick % 25 == 0) {
                    timedSave(() -> world.savePlayerState(p, playerState(n, t)), key, 0);
                } else {
                    ObjectNode patch = Json.object();
                    patch.set("position", vec(100 + 10 * Math.cos(a), 50, 200 + 10 * Math.sin(a)));
                    if (tick % 5 == 0) {
                        patch.set("rotation", Json.object().put("x", 0).put("y", round(Math.sin(a / 2))).put("z", 0)
                                .put("w", round(Math.cos(a / 2))));
                        patch.put("mana", 50 - tick % 50);
                    }
                    timedSave(() -> world.patchPlayerState(p, patch, Condition.any()), key, 0);
                }
                if (tick % 20 == 0) {
                    timedSave(() -> world.saveAppData(APP, p, "character", character(n, t)),
                            new Key.AppData(worldId, APP, p, "character"), 3);
                }
                long s = System.nanoTime();
                Optional<ObjectNode> loaded = world.loadPlayerState(p);
                Latency.record(loadLatency, System.nanoTime() - s);
                if (loaded.isEmpty() || !loaded.get().has("health")) {
                    throw new IllegalStateException("own player state " + p + " not readable after saving it");
                }
            }
        }

        private void worldLoop(long deadline) {
            for (int tick = 1; System.nanoTime() < deadline; tick++) {
                int n = tick % entities.size();
                String id = entities.get(n);
                double a = tick / 8.0;
                ObjectNode patch = Json.object();
                patch.putArray("position").add(round(n * 5 + Math.cos(a))).add(0).add(round(n * 5 + Math.sin(a)));
                patch.putArray("quaternion").add(0).add(round(Math.sin(a / 2))).add(0).add(round(Math.cos(a / 2)));
                timedSave(() -> world.patchEntity(id, patch, Condition.any()), new Key.Entity(worldId, id), 1);
                if (tick % 10 == 0) {
                    ObjectNode w = Json.object();
                    if (name.equals("A")) {
                        w.put("weather", new String[] {"sunny", "cloudy", "rain"}[(tick / 10) % 3]);
                    } else {
                        w.put("time", new String[] {"day", "dusk", "night"}[(tick / 10) % 3]);
                    }
                    w.putObject("servers").putObject(name).put("tick", tick).put("players", players.size());
                    timedSave(() -> world.patchWorldState(w, Condition.any()), new Key.WorldState(worldId), 2);
                }
                if (tick % 15 == 0) {
                    int t = tick;
                    String k = "scoreboard-" + name.toLowerCase(Locale.ROOT);
                    timedSave(() -> world.saveAppData(APP, null, k, Json.object().put("round", t / 15).put("leader", players.get(0))),
                            new Key.AppData(worldId, APP, null, k), 3);
                }
                long s = System.nanoTime();
                if (world.loadEntity(id).isEmpty()) {
                    throw new IllegalStateException("own entity " + id + " not readable after saving it");
                }
                Latency.record(loadLatency, System.nanoTime() - s);
            }
        }

        private void timedSave(java.util.function.Supplier<Saved> save, Key key, int table) {
            long s = System.nanoTime();
            Saved saved = save.get();
            Latency.record(saveLatency, System.nanoTime() - s);
            track(saved, key, table);
        }

        /** Waits until {@code other}'s projection includes every event this server wrote. */
        void awaitOn(WorldStore other) {
            lastOffset.forEach((partition, offset) -> {
                other.awaitPosition(new LogPosition(partition, offset), Duration.ofSeconds(30));
            });
        }

        String wrote() {
            return String.format(Locale.ROOT, "Server %s on node %s wrote %s saves: player states %s, entities %s, world state %s, app data %s",
                    name, name, Latency.count(saves.sum()), Latency.count(perTable[0].sum()), Latency.count(perTable[1].sum()),
                    Latency.count(perTable[2].sum()), Latency.count(perTable[3].sum()));
        }

        /** What {@code other} (a node) sees of this server's changes, compared with this server's own node. */
        void report(WorldStore other, String otherName, PrintWriter out) {
            World ow = other.world(worldId);
            out.printf("Node %s sees server %s's changes:%n", otherName, name);
            String p = players.get(0);
            PlayerRecord rec = other.player(p).orElse(null);
            ObjectNode st = ow.loadPlayerState(p).orElse(null);
            if (rec == null || st == null) {
                out.printf("  player %s: NOT visible%n", p);
            } else {
                out.printf("  player %s (%s): position %s, health %s, %d inventory items, skills.combat.level %s%n", p, rec.username(),
                        Json.text(st.get("position")), st.path("health"), st.path("inventory").size(),
                        st.path("skills").path("combat").path("level"));
            }
            ow.loadEntity(entities.get(0)).ifPresentOrElse(
                    e -> out.printf("  entity %s: position %s, quaternion %s%n", entities.get(0), Json.text(e.get("position")),
                            Json.text(e.get("quaternion"))),
                    () -> out.printf("  entity %s: NOT visible%n", entities.get(0)));
            ow.loadAppData(APP, p, "character").ifPresent(v -> out.printf("  app data %s/%s/character: %s%n", APP, p,
                    shorten(Json.text(v), 70)));
            long ownEntities = ow.loadEntities().stream().filter(e -> entities.contains(e.path("id").asText())).count();
            int seen = 0;
            int identical = 0;
            for (Key k : written.keySet()) {
                if (k instanceof Key.Player pk) {
                    Optional<PlayerRecord> r = other.player(pk.playerId());
                    seen += r.isPresent() ? 1 : 0;
                    identical += r.isPresent() && r.get().version() == store.player(pk.playerId()).orElseThrow().version() ? 1 : 0;
                    continue;
                }
                Optional<Stored> there = other.read(k, ReadConsistency.LOCAL);
                Optional<Stored> here = store.read(k, ReadConsistency.LOCAL);
                seen += there.isPresent() ? 1 : 0;
                identical += there.isPresent() && here.isPresent() && there.get().version() == here.get().version()
                        && there.get().value().equals(here.get().value()) ? 1 : 0;
            }
            out.printf("  keys written by %s: %d/%d seen on node %s, %d/%d identical on both nodes (value and version); "
                    + "loadEntities() lists %d/%d of its entities%n", name, seen, written.size(), otherName, identical, written.size(),
                    ownEntities, entities.size());
        }

        static ObjectNode playerState(int n, int tick) {
            ObjectNode s = Json.object();
            s.set("position", vec(100 + n, 50, 200));
            s.set("rotation", Json.object().put("x", 0).put("y", 1.5).put("z", 0).put("w", 1));
            s.put("health", 100 - tick % 30).put("mana", 50);
            ArrayNode inv = s.putArray("inventory");
            inv.addObject().put("itemId", "sword").put("quantity", 1);
            inv.addObject().put("itemId", "potion").put("quantity", 5 + tick / 25);
            ObjectNode skills = s.putObject("skills");
            skills.putObject("combat").put("level", 10 + tick / 50).put("xp", 1500 + tick * 10);
            skills.putObject("magic").put("level", 5).put("xp", 250 + tick);
            s.putObject("metadata").put("version", 1);
            return s;
        }

        static ObjectNode character(int n, int tick) {
            ObjectNode c = Json.object().put("class", n % 2 == 0 ? "warrior" : "mage").put("level", 25 + tick / 20);
            c.putObject("equipment").put("weapon", n % 2 == 0 ? "sword" : "staff").put("armor", "leather");
            return c;
        }

        static ObjectNode entity(String id, int n, int tick) {
            ObjectNode e = Json.object().put("id", id).put("type", "app").put("blueprint", "crate-blueprint");
            e.putArray("position").add(n * 5).add(0).add(n * 5);
            e.putArray("quaternion").add(0).add(0).add(0).add(1);
            e.putArray("scale").add(1).add(1).add(1);
            e.put("pinned", false);
            e.putObject("state").put("open", false).put("tick", tick);
            e.putObject("components").putObject("rigidbody").put("type", "dynamic").put("mass", 10);
            e.putObject("metadata").put("type", "prop").put("name", "Crate " + (n + 1));
            return e;
        }
    }
}
