package dev.worldstore.loadgen;

import dev.worldstore.ConfigException;
import dev.worldstore.WorldStoreConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The configuration of a node that a run opens: the store settings its caller set explicitly, plus
 * the run's own choices, either forced ({@link #with}) or only where the caller set nothing
 * ({@link #withDefault}). Immutable; each copy is validated at once.
 *
 * <p>A value the run chose that breaks its key's rule is reported as coming from the command, as
 * the CLI reports the sources of its settings; a bad value of the caller's is reported as it is.
 */
final class NodeConfig {
    private static final String FORCED = "the command";
    private static final String DEFAULTED = "the command's default";

    private final Map<String, String> values;
    private final Map<String, String> chosenByRun;
    private final WorldStoreConfig config;

    private NodeConfig(Map<String, String> values, Map<String, String> chosenByRun) {
        this.values = Map.copyOf(values);
        this.chosenByRun = Map.copyOf(chosenByRun);
        this.config = validate();
    }

    /**
     * The caller's explicit store settings ({@link WorldStoreConfig} keys and {@code kafka.*}
     * pass-through keys, by name).
     *
     * @throws ConfigException if a key is unknown or a value breaks its rule
     */
    static NodeConfig of(Map<String, String> storeSettings) {
        return new NodeConfig(storeSettings, Map.of());
    }

    /** True if the caller or the run set {@code key} (not only its default). */
    boolean isSet(String key) {
        return values.containsKey(key);
    }

    /** A copy with {@code key} set to {@code value} whatever the caller said. */
    NodeConfig with(String key, String value) {
        return set(key, value, FORCED);
    }

    /** A copy where {@code key} is {@code value} unless it {@linkplain #isSet is set}. */
    NodeConfig withDefault(String key, String value) {
        return isSet(key) ? this : set(key, value, DEFAULTED);
    }

    /**
     * The settings of a bench run's node: its own data dir and node id, a free embedded broker port
     * and the topic {@code ownTopic} (when not null) unless the caller set them, and
     * {@code value.max.bytes} (and {@code batch.max.bytes} with it) raised to hold {@code payloadBytes} plus headroom.
     *
     * @throws ConfigException if a value breaks its rule (e.g. {@code payloadBytes} near the 32 MiB limit)
     */
    NodeConfig benchNode(Path dataDir, String nodeId, String ownTopic, int payloadBytes) {
        NodeConfig n = with("data.dir", dataDir.toString()).with("node.id", nodeId)
                .withDefault("kafka.embedded.port", "0")
                .withDefault(WorldStoreConfig.KAFKA_TOPIC.name(), ownTopic != null ? ownTopic : "worldstore.changes");
        if (Integer.parseInt(n.config().get(WorldStoreConfig.VALUE_MAX_BYTES)) < payloadBytes + 1024) {
            // a batch must be able to hold the largest value: raise batch.max.bytes first where it would fall short
            if (n.config().getInt(WorldStoreConfig.BATCH_MAX_BYTES) < payloadBytes + 1024) {
                n = n.with(WorldStoreConfig.BATCH_MAX_BYTES.name(), Integer.toString(payloadBytes + 1024));
            }
            n = n.with(WorldStoreConfig.VALUE_MAX_BYTES.name(), Integer.toString(payloadBytes + 1024));
        }
        return n;
    }

    /** The validated store configuration. */
    WorldStoreConfig config() {
        return config;
    }

    private NodeConfig set(String key, String value, String origin) {
        Map<String, String> v = new LinkedHashMap<>(values);
        Map<String, String> o = new LinkedHashMap<>(chosenByRun);
        v.put(key, value);
        o.put(key, origin);
        return new NodeConfig(v, o);
    }

    private WorldStoreConfig validate() {
        try {
            return WorldStoreConfig.of(values);
        } catch (ConfigException e) {
            String origin = chosenByRun.get(e.key());
            if (origin == null) {
                throw e;
            }
            String rule = e.getMessage().startsWith(e.key() + ": ") ? e.getMessage().substring(e.key().length() + 2) : e.getMessage();
            throw new ConfigException(e.key(), rule + " (from " + origin + ")");
        }
    }
}
