package dev.worldstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.ConfigKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration table is generated: it must equal {@link ConfigDoc#markdown()}. To
 * update it, replace what lies between the markers with the output of
 * {@code java -jar api/target/worldstore.jar config --markdown}.
 */
class ConfigDocTest {
    private static final Path README = Path.of("..", "README.md");

    @Test
    void readmeConfigurationSectionIsTheGeneratedTable() throws IOException {
        assertTrue(Files.exists(README), "README.md not found at " + README.toAbsolutePath()
                + "; it must hold the output of `worldstore config --markdown` between " + ConfigDoc.START_MARKER + " and "
                + ConfigDoc.END_MARKER);
        String section = ConfigDoc.section(Files.readString(README, StandardCharsets.UTF_8));
        assertNotNull(section, "README.md has no " + ConfigDoc.START_MARKER + " ... " + ConfigDoc.END_MARKER + " section");
        assertEquals(ConfigDoc.strip(ConfigDoc.markdown()), section,
                "README.md's configuration section is out of date: paste the output of `worldstore config --markdown` between the markers");
    }

    @Test
    void theTableHasOneRowPerKey() {
        String md = ConfigDoc.markdown();
        for (ConfigKey k : Settings.ALL_KEYS) {
            assertTrue(md.contains("| `" + k.name() + "` | `" + k.envName() + "` |"), k.name());
        }
        long rows = md.lines().filter(l -> l.startsWith("| `")).count();
        assertEquals(Settings.ALL_KEYS.size(), rows);
    }

    @Test
    void sectionIgnoresBlankLinesAroundTheTable() {
        String doc = "# x\n" + ConfigDoc.START_MARKER + "\n\n| a |\n\n" + ConfigDoc.END_MARKER + "\nrest\n";
        assertEquals("| a |", ConfigDoc.section(doc));
    }
}
