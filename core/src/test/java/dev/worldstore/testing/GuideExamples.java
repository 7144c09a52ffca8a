package dev.worldstore.testing;

/** The persistence guide's example data, shared by the tests of every module. */
public final class GuideExamples {
    private GuideExamples() {
    }

    /** The guide's RPG player: position, rotation and custom fields at the top level. */
    public static final String RPG_PLAYER = """
            {
              "position": { "x": 100, "y": 50, "z": 200 },
              "rotation": { "x": 0, "y": 1.5, "z": 0, "w": 1 },
              "health": 100,
              "mana": 50,
              "inventory": [
                { "itemId": "sword", "quantity": 1 },
                { "itemId": "potion", "quantity": 5 }
              ],
              "skills": {
                "combat": { "level": 10, "xp": 1500 },
                "magic": { "level": 5, "xp": 250 }
              }
            }""";
}
