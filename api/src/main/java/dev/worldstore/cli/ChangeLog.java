package dev.worldstore.cli;

import dev.worldstore.AsOf;
import dev.worldstore.ConfigException;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.ValidationException;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.projector.ProjectionTools;

/**
 * What the offline commands ({@code replay}, {@code rebuild}, {@code restore}) check on the change
 * log before they start, so a wrong address, topic, world or position is a clear one-line error
 * rather than a long wait: the topic exists, its partitions, and their first and end offsets
 * ({@link ProjectionTools#inspect}). Immutable: a look at the log at one moment.
 */
final class ChangeLog {
    private final ProjectionTools.LogInfo info;

    private ChangeLog(ProjectionTools.LogInfo info) {
        this.info = info;
    }

    /** Connects and checks that the topic exists. */
    static ChangeLog open(WorldStoreConfig config) {
        return new ChangeLog(ProjectionTools.inspect(config));
    }

    /** The address the offline tools use: the configured cluster, else a running serve's embedded broker. */
    static String bootstrap(WorldStoreConfig config) {
        String b = config.get(WorldStoreConfig.KAFKA_BOOTSTRAP_SERVERS);
        return b.isBlank() ? "127.0.0.1:" + config.getInt(WorldStoreConfig.KAFKA_EMBEDDED_PORT) : b;
    }

    /** "Kafka 127.0.0.1:9092 (a running serve's embedded broker)" or "Kafka host:9092". */
    static String describe(WorldStoreConfig config) {
        return "Kafka " + bootstrap(config) + (config.embeddedKafka() ? " (the embedded broker of a running `worldstore serve`)" : "");
    }

    String topic() {
        return info.topic();
    }

    int partitions() {
        return info.partitions();
    }

    int partitionOf(String worldId) {
        return info.partitionOf(worldId);
    }

    /** Records in the log now. */
    long records() {
        return info.records();
    }

    /** The next offset of each partition (the log end), by partition. */
    long[] ends() {
        return info.ends();
    }

    /** The first offset still in the log of each partition, by partition. */
    long[] beginnings() {
        return info.beginnings();
    }

    /**
     * Checks that a log position given for {@code worldId} is in the world's partition and already
     * written, so a replay or restore to it can finish.
     *
     * @throws ConfigException naming {@code option} otherwise
     */
    void checkPosition(String option, String worldId, AsOf asOf) {
        if (asOf instanceof AsOf.AtTime) {
            return;
        }
        int partition = partitionOf(worldId);
        if (asOf.partition() != partition) {
            throw new ConfigException(option, "world " + worldId + " lives in partition " + partition + " of " + topic()
                    + ", so its positions are written " + partition + "-OFFSET (or " + partition + "-start); was " + asOf);
        }
        if (!(asOf instanceof AsOf.AtPosition at)) {
            return; // the partition's start is always there
        }
        LogPosition p = at.position();
        long end = ends()[partition];
        if (p.offset() >= end) {
            throw new ConfigException(option, "position " + p + " has not been written yet (partition " + partition + " of " + topic()
                    + " ends at " + (end == 0 ? "its start: it is empty" : partition + "-" + (end - 1)) + ")");
        }
    }

    /** Parses a {@code --world} value, naming the option and the rule when it is not a valid world id. */
    static String worldId(String option, String text) {
        try {
            Key.checkWorldId(text);
            return text;
        } catch (ValidationException e) {
            throw new ConfigException(option, e.rule());
        }
    }

    /** Parses a {@code --to} value: an ISO-8601 instant or a log position. */
    static AsOf asOf(String option, String text) {
        try {
            return AsOf.parse(option, text);
        } catch (ValidationException e) {
            throw new ConfigException(option, e.rule());
        }
    }
}
