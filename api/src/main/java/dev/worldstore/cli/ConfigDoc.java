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

    // ---- defaults quoted in other documents ---------------------------------------------------

    /**
     * A key's default quoted in prose (the operator docs in {@code deploy/}) sits between these
     * markers, {@code <!-- default:rocksdb.block.cache.bytes -->512 MiB<!-- /default -->}, and is
     * written by {@link #fillDefaults} ({@code worldstore config --fill-defaults FILE}), never by hand;
     * {@code DeployFilesTest} keeps every such value equal to the code's.
     */
    static final java.util.regex.Pattern DEFAULT_MARKER = java.util.regex.Pattern.compile(
            "<!-- default:([a-z0-9.\\-]+) -->(.*?)<!-- /default -->");

    /** The default of {@code key} as a person reads it: {@code 512 MiB}, {@code 1 h}, {@code 15 s}, {@code 8080}. */
    static String human(ConfigKey key) {
        String v = key.defaultValue();
        if (v.isEmpty()) {
            return "(empty)";
        }
        boolean number = key.type() == ConfigKey.Type.INT || key.type() == ConfigKey.Type.LONG;
        if (!number) {
            return v;
        }
        long n = Long.parseLong(v);
        if (n <= 0) {
            return v;
        }
        if (key.name().endsWith(".ms")) {
            for (long[] unit : new long[][] {{3_600_000, 'h'}, {60_000, 'm'}, {1_000, 's'}}) {
                if (n % unit[0] == 0) {
                    return (n / unit[0]) + (unit[1] == 'm' ? " min" : " " + (char) unit[1]);
                }
            }
            return n + " ms";
        }
        if (key.name().endsWith(".bytes")) {
            String[] names = {"GiB", "MiB", "KiB"};
            long[] sizes = {1L << 30, 1L << 20, 1L << 10};
            for (int i = 0; i < sizes.length; i++) {
                if (n % sizes[i] == 0) {
                    return (n / sizes[i]) + " " + names[i];
                }
            }
            return n + " bytes";
        }
        return v;
    }

    /** The key named {@code name}, or null. */
    static ConfigKey key(String name) {
        return Settings.ALL_KEYS.stream().filter(k -> k.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * {@code document} with every default marker holding its key's {@link #human} default.
     *
     * @throws IllegalArgumentException naming a marker whose key does not exist
     */
    static String fillDefaults(String document) {
        java.util.regex.Matcher m = DEFAULT_MARKER.matcher(document);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            ConfigKey k = key(m.group(1));
            if (k == null) {
                throw new IllegalArgumentException("<!-- default:" + m.group(1) + " --> names no configuration key");
            }
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement("<!-- default:" + k.name() + " -->" + human(k)
                    + "<!-- /default -->"));
        }
        m.appendTail(out);
        return out.toString();
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
