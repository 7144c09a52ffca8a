package dev.worldstore;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigKeyTest {

    private static final ConfigKey PORT = ConfigKey.integer("some.port", 10, 0, 65535, "doc");
    private static final ConfigKey SIZE = ConfigKey.longKey("some.size.bytes", 10, 1, 1_000, "doc");
    private static final ConfigKey FLAG = ConfigKey.bool("some.flag", false, "doc");
    private static final ConfigKey MODE = ConfigKey.choice("some.mode", "a", List.of("a", "b"), "doc");

    private static ConfigException rejected(ConfigKey key, String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> key.check(text));
        assertEquals(key.name(), e.key());
        assertEquals(ErrorCode.INVALID_CONFIG, e.code());
        assertTrue(e.getMessage().startsWith(key.name() + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(key.rule()), () -> e.getMessage() + " should state " + key.rule());
        return e;
    }

    @Test
    void envNameUpperCasesAndReplacesDotsAndDashes() {
        assertEquals("WORLDSTORE_DATA_DIR", ConfigKey.envName("data.dir"));
        assertEquals("WORLDSTORE_DATA_DIR", WorldStoreConfig.DATA_DIR.envName());
        assertEquals("WORLDSTORE_KAFKA_TOPIC_RETENTION_MS", WorldStoreConfig.KAFKA_TOPIC_RETENTION_MS.envName());
        assertEquals("WORLDSTORE_A_B_C", ConfigKey.envName("a-b.c"));
    }

    @Test
    void intOutsideRangeIsRejectedWithRule() {
        ConfigException e = rejected(PORT, "70000");
        assertTrue(e.getMessage().contains("between 0 and 65535"), e.getMessage());
        assertTrue(e.getMessage().contains("70000"), e.getMessage());
        rejected(PORT, "-1");
    }

    @Test
    void boundsAreInclusive() {
        assertDoesNotThrow(() -> PORT.check("0"));
        assertDoesNotThrow(() -> PORT.check("65535"));
        assertDoesNotThrow(() -> SIZE.check("1"));
        assertDoesNotThrow(() -> SIZE.check("1000"));
        rejected(SIZE, "0");
        rejected(SIZE, "1001");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "", "1.5", "1e3", "0x10", "99999999999"})
    void nonNumberForIntIsRejectedWithRule(String text) {
        ConfigException e = rejected(PORT, text);
        assertTrue(e.getMessage().contains("whole number") || e.getMessage().contains("between"), e.getMessage());
    }

    @Test
    void surroundingSpacesAroundNumbersAreAllowed() {
        assertDoesNotThrow(() -> PORT.check(" 8080 "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "1", "TRUE", "False", "", " true"})
    void badBooleanIsRejected(String text) {
        rejected(FLAG, text);
    }

    @Test
    void booleansAreTrueOrFalse() {
        assertDoesNotThrow(() -> FLAG.check("true"));
        assertDoesNotThrow(() -> FLAG.check("false"));
    }

    @Test
    void badChoiceIsRejectedListingChoices() {
        ConfigException e = rejected(MODE, "c");
        assertTrue(e.getMessage().contains("one of a, b"), e.getMessage());
        rejected(MODE, "A");
        assertDoesNotThrow(() -> MODE.check("b"));
    }

    @Test
    void missingValueIsRejectedNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> PORT.check(null));
        assertEquals("some.port", e.key());
    }

    @Test
    void stringAndPathAcceptAnyText() {
        assertDoesNotThrow(() -> ConfigKey.string("s", "", "doc").check(""));
        assertDoesNotThrow(() -> ConfigKey.path("p", "./x", "doc").check("/tmp/a b"));
    }

    @Test
    void choiceKeyNeedsChoices() {
        assertThrows(IllegalArgumentException.class, () -> ConfigKey.choice("c", "a", List.of(), "doc"));
    }

    @Test
    void choicesAreCopied() {
        List<String> choices = new ArrayList<>(List.of("a", "b"));
        ConfigKey key = ConfigKey.choice("c", "a", choices, "doc");

        choices.add("z");

        assertThrows(ConfigException.class, () -> key.check("z"));
    }

    // ---- the store's own keys ------------------------------------------------------------------

    @Test
    void storeKeyNamesAreUnique() {
        Set<String> names = new HashSet<>();
        for (ConfigKey k : WorldStoreConfig.KEYS) {
            assertTrue(names.add(k.name()), "duplicate key " + k.name());
        }
    }

    @Test
    void storeKeyEnvironmentNamesAreUnique() {
        Set<String> env = new HashSet<>();
        for (ConfigKey k : WorldStoreConfig.KEYS) {
            assertTrue(env.add(k.envName()), "duplicate environment name " + k.envName());
        }
    }

    @Test
    void everyNumericKeyNamesItsUnit() {
        java.util.Set<String> units = java.util.Set.of("ms", "bytes", "count", "versions", "port", "partitions", "records",
                "changes", "factor", "replicas");
        for (ConfigKey k : WorldStoreConfig.KEYS) {
            boolean number = k.type() == ConfigKey.Type.INT || k.type() == ConfigKey.Type.LONG;
            String unit = k.name().substring(k.name().lastIndexOf('.') + 1);
            if (number) {
                assertTrue(units.contains(unit), k.name() + " must end in its unit, one of " + units);
            }
            if (k.name().contains("timeout") || k.name().contains("linger") || k.name().contains("interval")) {
                assertTrue(k.name().endsWith(".ms"), k.name() + " is a duration and must end in .ms");
            }
            if (k.name().contains("bytes")) {
                assertTrue(k.name().endsWith(".bytes"), k.name() + " is a size and must end in .bytes");
            }
        }
    }

    @Test
    void everyDefaultMeetsItsOwnRule() {
        for (ConfigKey k : WorldStoreConfig.KEYS) {
            assertDoesNotThrow(() -> k.check(k.defaultValue()), k.name());
        }
    }

    @Test
    void everyKeyIsDocumented() {
        for (ConfigKey k : WorldStoreConfig.KEYS) {
            assertTrue(!k.doc().isBlank(), k.name() + " has no doc");
        }
    }
}
