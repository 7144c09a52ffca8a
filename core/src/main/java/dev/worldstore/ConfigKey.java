package dev.worldstore;

import java.util.List;
import java.util.Objects;

/**
 * One documented configuration key: its name (the unit is part of the name: {@code .ms},
 * {@code .bytes}), its type, default and rule. Every component declares its keys as constants of
 * this type; the CLI, the environment mapping and the README's configuration table are all
 * generated from those lists, so documentation and code cannot drift.
 *
 * @param defaultValue the default as text; {@code ""} means "not set"
 * @param min inclusive lower bound for numbers, ignored otherwise
 * @param max inclusive upper bound for numbers, ignored otherwise
 * @param choices the allowed values for {@link Type#CHOICE}; empty otherwise
 */
public record ConfigKey(String name, Type type, String defaultValue, long min, long max, List<String> choices, String doc) {

    /** How a key's text is read. */
    public enum Type { STRING, INT, LONG, BOOLEAN, PATH, CHOICE }

    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(doc, "doc");
        choices = List.copyOf(choices);
        if (type == Type.CHOICE && choices.isEmpty()) {
            throw new IllegalArgumentException(name + ": a choice key needs choices");
        }
    }

    public static ConfigKey string(String name, String defaultValue, String doc) {
        return new ConfigKey(name, Type.STRING, defaultValue, 0, 0, List.of(), doc);
    }

    public static ConfigKey path(String name, String defaultValue, String doc) {
        return new ConfigKey(name, Type.PATH, defaultValue, 0, 0, List.of(), doc);
    }

    public static ConfigKey bool(String name, boolean defaultValue, String doc) {
        return new ConfigKey(name, Type.BOOLEAN, Boolean.toString(defaultValue), 0, 0, List.of(), doc);
    }

    public static ConfigKey integer(String name, int defaultValue, int min, int max, String doc) {
        return new ConfigKey(name, Type.INT, Integer.toString(defaultValue), min, max, List.of(), doc);
    }

    public static ConfigKey longKey(String name, long defaultValue, long min, long max, String doc) {
        return new ConfigKey(name, Type.LONG, Long.toString(defaultValue), min, max, List.of(), doc);
    }

    public static ConfigKey choice(String name, String defaultValue, List<String> choices, String doc) {
        return new ConfigKey(name, Type.CHOICE, defaultValue, 0, 0, choices, doc);
    }

    /**
     * Checks {@code settings} against {@code keys} and returns every key's value (defaults filled in),
     * sorted by name. A setting no key knows goes to {@code unknown}, which may throw.
     *
     * @throws ConfigException for a value that breaks its key's rule
     */
    public static java.util.Map<String, String> resolve(List<ConfigKey> keys, java.util.Map<String, String> settings,
            java.util.function.BiConsumer<String, String> unknown) {
        java.util.Map<String, ConfigKey> known = new java.util.HashMap<>();
        java.util.Map<String, String> values = new java.util.TreeMap<>();
        for (ConfigKey k : keys) {
            known.put(k.name(), k);
            values.put(k.name(), k.defaultValue());
        }
        settings.forEach((name, value) -> {
            ConfigKey key = known.get(name);
            if (key == null) {
                unknown.accept(name, value);
            } else {
                key.check(value);
                values.put(name, value);
            }
        });
        return values;
    }

    /** The environment variable that sets this key: {@code data.dir} is {@code WORLDSTORE_DATA_DIR}. */
    public String envName() {
        return envName(name);
    }

    public static String envName(String key) {
        return "WORLDSTORE_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * Checks {@code text} against this key's type and rule.
     *
     * @throws ConfigException naming the key and the rule
     */
    public void check(String text) {
        if (text == null) {
            throw new ConfigException(name, "must have a value");
        }
        switch (type) {
            case INT, LONG -> {
                long v;
                try {
                    v = type == Type.INT ? Integer.parseInt(text.trim()) : Long.parseLong(text.trim());
                } catch (NumberFormatException e) {
                    throw new ConfigException(name, "must be a whole number (" + rule() + "), was '" + text + "'");
                }
                if (v < min || v > max) {
                    throw new ConfigException(name, "must be " + rule() + ", was " + v);
                }
            }
            case BOOLEAN -> {
                if (!text.equals("true") && !text.equals("false")) {
                    throw new ConfigException(name, "must be true or false, was '" + text + "'");
                }
            }
            case CHOICE -> {
                if (!choices.contains(text)) {
                    throw new ConfigException(name, "must be one of " + String.join(", ", choices) + ", was '" + text + "'");
                }
            }
            case STRING, PATH -> {
                // any text
            }
        }
    }

    /** The rule in words, for errors and docs. */
    public String rule() {
        return switch (type) {
            case INT, LONG -> "between " + min + " and " + max;
            case BOOLEAN -> "true or false";
            case CHOICE -> "one of " + String.join(", ", choices);
            case PATH -> "a directory path";
            case STRING -> "text";
        };
    }
}
