package dev.worldstore.loadgen;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Json;

/** The documents of {@link Demo}'s world: guide-shaped player states, characters, entities and the world state. */
final class DemoData {
    /** The demo's UGC app id. */
    static final String APP = "my-rpg-app";

    private DemoData() {
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
