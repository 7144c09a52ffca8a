package dev.worldstore.loadgen;

import static dev.worldstore.loadgen.DemoData.APP;
import static dev.worldstore.loadgen.DemoData.character;
import static dev.worldstore.loadgen.DemoData.entity;
import static dev.worldstore.loadgen.DemoData.playerState;
import static dev.worldstore.loadgen.DemoData.round;
import static dev.worldstore.loadgen.DemoData.shorten;
import static dev.worldstore.loadgen.DemoData.vec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Condition;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.PlayerRecord;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Saved;
import dev.worldstore.Stored;
import dev.worldstore.World;
import dev.worldstore.WorldStore;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * One simulated world server of {@link Demo} on one node: two players moving, three entities,
 * world and app data, saved and loaded through the Java API. Its counters, histograms and key
 * sets are thread-safe: its threads (one per player, one for the world) write them concurrently.
 */
final class DemoServer {
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

    DemoServer(String name, WorldStore store, String worldId, String run, String[] names) {
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

    void timedSave(Supplier<Saved> save, Key key, int table) {
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
}
