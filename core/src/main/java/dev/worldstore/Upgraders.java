package dev.worldstore;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Data-format upgraders, per table: a function from format version n to n+1. A table's current
 * format is 1 plus the number of its upgraders; new events are written in it, and values written in
 * an older format are upgraded step by step when they are read (loads, history, snapshots) and
 * before a newer merge patch is applied to them. Old events in the log are never rewritten.
 *
 * <p>Immutable and thread-safe once built; the functions must be pure.
 */
public final class Upgraders {
    private static final Upgraders NONE = new Builder().build();

    private final Map<Table, List<UnaryOperator<JsonNode>>> steps;

    private Upgraders(Map<Table, List<UnaryOperator<JsonNode>>> steps) {
        this.steps = steps;
    }

    public static Upgraders none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The format version new events of {@code table} are written in. */
    public int current(Table table) {
        return 1 + steps.getOrDefault(table, List.of()).size();
    }

    /**
     * Brings {@code value}, written in {@code formatVersion}, to the table's current format.
     *
     * @throws IllegalArgumentException if the value is newer than this node knows
     */
    public JsonNode upgrade(Table table, int formatVersion, JsonNode value) {
        return upgrade(table, formatVersion, current(table), value);
    }

    /**
     * Brings {@code value}, written in {@code formatVersion}, to {@code targetVersion} and no further
     * (a merge patch written in format N applies to the value in format N). A value already at or
     * past the target is returned as it is. The functions get a copy, never {@code value} itself.
     *
     * @throws IllegalArgumentException if either version is below 1, or a version is newer than this
     *     node knows ({@link #current}); the message names both
     */
    public JsonNode upgrade(Table table, int formatVersion, int targetVersion, JsonNode value) {
        int current = current(table);
        if (formatVersion < 1 || targetVersion < 1) {
            throw new IllegalArgumentException("data-format versions start at 1, got " + formatVersion + " and " + targetVersion);
        }
        if (formatVersion > current || targetVersion > current) {
            throw new IllegalArgumentException(table.wireName() + " data format " + Math.max(formatVersion, targetVersion)
                    + " is newer than this node knows (" + current + ")");
        }
        List<UnaryOperator<JsonNode>> chain = steps.getOrDefault(table, List.of());
        JsonNode v = value;
        for (int from = formatVersion; from < targetVersion; from++) {
            v = chain.get(from - 1).apply(v.deepCopy());
        }
        return v;
    }

    /** Collects upgraders; each table's must start at 1 and have no gaps. */
    public static final class Builder {
        private final Map<Table, TreeMap<Integer, UnaryOperator<JsonNode>>> byTable = new EnumMap<>(Table.class);

        /** Registers the upgrade of {@code table}'s values from {@code fromVersion} to {@code fromVersion + 1}. */
        public Builder add(Table table, int fromVersion, UnaryOperator<JsonNode> upgrade) {
            Objects.requireNonNull(upgrade, "upgrade");
            if (byTable.computeIfAbsent(table, t -> new TreeMap<>()).putIfAbsent(fromVersion, upgrade) != null) {
                throw new IllegalArgumentException(table.wireName() + " already has an upgrader from version " + fromVersion);
            }
            return this;
        }

        public Upgraders build() {
            Map<Table, List<UnaryOperator<JsonNode>>> steps = new EnumMap<>(Table.class);
            byTable.forEach((table, chain) -> {
                int expected = 1;
                for (int from : chain.keySet()) {
                    if (from != expected) {
                        throw new IllegalArgumentException(table.wireName() + " upgraders must run 1, 2, 3, ... without gaps; missing "
                                + expected);
                    }
                    expected++;
                }
                steps.put(table, List.copyOf(chain.values()));
            });
            return new Upgraders(steps);
        }
    }
}
