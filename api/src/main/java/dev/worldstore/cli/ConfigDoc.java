package dev.worldstore.cli;

import dev.worldstore.ConfigKey;
import java.util.List;

/**
 * The configuration reference, rendered from the key lists (the single source): a markdown table
 * for the README and plain text for {@code worldstore config}. The README holds the markdown between
 * {@code <!-- config:start -->} and {@code <!-- config:end -->}; {@code ConfigDocTest} keeps the two
 * equal.
 */
final class ConfigDoc {
    public static final String START_MARKER = "<!-- config:start -->";
    public static final String END_MARKER = "<!-- config:end -->";

    private ConfigDoc() {
    }

    /** The markdown table of every key, one row per key, lines ending in {@code \n}, no trailing blank line. */
    public static String markdown() {
        return markdown(Settings.ALL_KEYS);
    }

    static String markdown(List<ConfigKey> keys) {
        StringBuilder b = new StringBuilder();
        b.append("| Key | Environment variable | Default | Rule | Description |\n");
        b.append("|---|---|---|---|---|\n");
        for (ConfigKey k : keys) {
            b.append("| `").append(k.name()).append("` | `").append(k.envName()).append("` | ")
                    .append(k.defaultValue().isEmpty() ? "(empty)" : "`" + k.defaultValue() + "`").append(" | ")
                    .append(cell(k.rule())).append(" | ")
                    .append(cell(k.doc())).append(" |\n");
        }
        b.append("\nPrecedence: command line (`--key=value`) > environment variable > properties file (`--config FILE`) > default. ")
                .append("Other `kafka.*` keys (`--kafka.security.protocol=SSL`, `WORLDSTORE_KAFKA_SECURITY_PROTOCOL`) ")
                .append("pass through to the Kafka clients with the `kafka.` prefix removed, if a Kafka producer, consumer or admin ")
                .append("client reads them and worldstore does not set them itself; any other key is an error (so are unknown ")
                .append("`kafka.topic.*` and `kafka.embedded.*` keys), never ignored.\n");
        return b.toString();
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    /** Plain-text reference for the terminal. */
    public static String text() {
        StringBuilder b = new StringBuilder();
        b.append("worldstore configuration keys\n");
        b.append("Precedence: command line (--key=value) > environment variable > properties file (--config FILE) > default.\n");
        b.append("Other kafka.* keys pass through to the Kafka clients with the prefix removed, if a Kafka client reads them and\n");
        b.append("worldstore does not set them itself; any other key is an error, never ignored.\n");
        for (ConfigKey k : Settings.ALL_KEYS) {
            b.append('\n').append(k.name()).append("  (").append(k.envName()).append(")\n");
            b.append("    default: ").append(k.defaultValue().isEmpty() ? "(empty)" : k.defaultValue())
                    .append("; rule: ").append(k.rule()).append('\n');
            b.append("    ").append(k.doc()).append('\n');
        }
        return b.toString();
    }

    /**
     * The text between the markers of {@code document}, without the newlines that follow the start
     * marker and precede the end marker; {@code null} if the markers are missing.
     */
    public static String section(String document) {
        int start = document.indexOf(START_MARKER);
        int end = document.indexOf(END_MARKER);
        if (start < 0 || end < start) {
            return null;
        }
        String inner = document.substring(start + START_MARKER.length(), end).replace("\r\n", "\n");
        return strip(inner);
    }

    static String strip(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == '\n') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == '\n') {
            to--;
        }
        return s.substring(from, to);
    }
}
