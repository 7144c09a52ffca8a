package dev.worldstore;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The store's configuration: every key, its unit, default and rule, in one place.
 *
 * <p>Built once from text (command line, environment, properties file), validated as a whole, then
 * frozen. Unknown keys are errors, except {@code kafka.*} keys that are not worldstore's own: those
 * pass through to the Kafka clients with the prefix removed ({@code kafka.security.protocol} becomes
 * {@code security.protocol}). Worldstore's own namespaces under {@code kafka.} ({@code kafka.topic.*},
 * {@code kafka.embedded.*}) never pass through: an unknown key there is an error too. (That a
 * pass-through key is a setting of the Kafka clients is checked when a node opens.) Instances are
 * immutable and thread-safe.
 */
public final class WorldStoreConfig {

    public static final ConfigKey DATA_DIR = ConfigKey.path("data.dir", "./data",
            "Folder for the RocksDB projection, the node id and, with the embedded broker, Kafka's log.");
    public static final ConfigKey NODE_ID = ConfigKey.string("node.id", "",
            "This node's name in the origin header of every event it writes. Empty: generated once and kept in data.dir.");
    public static final ConfigKey KAFKA_BOOTSTRAP_SERVERS = ConfigKey.string("kafka.bootstrap.servers", "",
            "Kafka cluster to use. Empty: start the embedded single-node KRaft broker in-process.");
    public static final ConfigKey KAFKA_EMBEDDED_PORT = ConfigKey.integer("kafka.embedded.port", 9092, 0, 65535,
            "Loopback port of the embedded broker (0 = any free port). Ignored when kafka.bootstrap.servers is set.");
    public static final ConfigKey KAFKA_EMBEDDED_FLUSH_EVERY_MESSAGE = ConfigKey.bool("kafka.embedded.flush.every.message", false,
            "Embedded broker fsyncs every write before acknowledging it (survives power loss; see README for its cost).");
    public static final ConfigKey KAFKA_TOPIC = ConfigKey.string("kafka.topic", "worldstore.changes",
            "The change-log topic. Created by worldstore if absent.");
    public static final ConfigKey KAFKA_TOPIC_PARTITIONS = ConfigKey.integer("kafka.topic.partitions", 6, 1, 10_000,
            "Partitions of the change-log topic when worldstore creates it. A world lives in one partition; never change it afterwards.");
    public static final ConfigKey KAFKA_TOPIC_REPLICATION_FACTOR = ConfigKey.integer("kafka.topic.replication.factor", -1, -1, 32,
            "Replication factor when worldstore creates the topic (-1 = the broker's default).");
    public static final ConfigKey KAFKA_TOPIC_MIN_INSYNC_REPLICAS = ConfigKey.integer("kafka.topic.min.insync.replicas", -1, -1, 32,
            "min.insync.replicas of the change-log topic when worldstore creates it (-1 = the broker's default): an acknowledged "
            + "save is on at least this many brokers.");
    public static final ConfigKey KAFKA_TOPIC_RETENTION_MS = ConfigKey.longKey("kafka.topic.retention.ms", -1, -1, Long.MAX_VALUE,
            "retention.ms of the change-log topic when worldstore creates it (-1 = keep history forever; history is the product).");
    public static final ConfigKey VALUE_MAX_BYTES = ConfigKey.integer("value.max.bytes", 4 * 1024 * 1024, 1024, 32 * 1024 * 1024,
            "Largest value (serialized JSON) a save accepts.");
    public static final ConfigKey BATCH_MAX_CHANGES = ConfigKey.integer("batch.max.changes", 1_000, 1, 100_000,
            "Most changes one batch (world transaction) may hold.");
    public static final ConfigKey BATCH_MAX_BYTES = ConfigKey.integer("batch.max.bytes", 8 * 1024 * 1024, 1024, 64 * 1024 * 1024,
            "Largest batch: the JSON of all its changes. The topic's max.message.bytes must be at least this plus 1 MiB.");
    public static final ConfigKey READ_WAIT_TIMEOUT_MS = ConfigKey.longKey("read.wait.timeout.ms", 5_000, 0, 600_000,
            "How long a load waits for the projection to include a required log position (read-your-writes).");
    public static final ConfigKey WRITE_TIMEOUT_MS = ConfigKey.longKey("write.timeout.ms", 15_000, 100, 600_000,
            "How long a save waits for Kafka's acknowledgement and, for conditional writes, the projector's verdict.");
    public static final ConfigKey WRITE_MAX_INFLIGHT_BYTES = ConfigKey.longKey("write.max.inflight.bytes", 32L * 1024 * 1024,
            1024 * 1024, 1024L * 1024 * 1024, "Most bytes of writes this node holds that Kafka has not acknowledged. Past it a write "
                    + "is refused at once (503 LOG_UNAVAILABLE, Retry-After) instead of waiting: an outage never ties up request threads.");
    public static final ConfigKey IDEMPOTENCY_WINDOW_MS = ConfigKey.longKey("idempotency.window.ms", 86_400_000L, 60_000,
            30L * 86_400_000L, "How long an idempotency key applies: a retry carrying the key of a write applied at most this long "
                    + "before it (by event time) changes nothing and answers with that write's outcome. Recorded with each write.");
    public static final ConfigKey PRODUCER_LINGER_MS = ConfigKey.integer("producer.linger.ms", 1, 0, 1_000,
            "How long the producer waits to batch saves of concurrent callers. Every save waits it out, so it is the floor of "
                    + "a save's latency (one sequential caller gets fewer than 1000/linger saves/s); Kafka also batches what arrives "
                    + "while requests are in flight, so under load a longer linger buys little (README: the producer batching sweep).");
    public static final ConfigKey PRODUCER_BATCH_BYTES = ConfigKey.integer("producer.batch.bytes", 65_536, 1_024, 16 * 1024 * 1024,
            "Producer batch size per partition.");
    public static final ConfigKey PRODUCER_COMPRESSION = ConfigKey.choice("producer.compression", "lz4",
            List.of("none", "gzip", "snappy", "lz4", "zstd"), "Compression of change events on the wire and in Kafka's log.");
    public static final ConfigKey PROJECTOR_POLL_MAX_RECORDS = ConfigKey.integer("projector.poll.max.records", 5_000, 1, 100_000,
            "Most events the projector applies in one atomic RocksDB write.");
    public static final ConfigKey PROJECTOR_SNAPSHOT_INTERVAL_MS = ConfigKey.longKey("projector.snapshot.interval.ms", 3_600_000,
            0, Long.MAX_VALUE, "How often the projector checkpoints the projection under data.dir/snapshots (0 = never).");
    public static final ConfigKey PROJECTOR_SNAPSHOT_RETAIN_COUNT = ConfigKey.integer("projector.snapshot.retain.count", 3, 1, 1000,
            "How many projection snapshots to keep (oldest deleted first).");
    public static final ConfigKey RETENTION_ENTITY_TTL_MS = ConfigKey.longKey("retention.entity.ttl.ms", 0, 0, Long.MAX_VALUE,
            "Entities not updated for this long are deleted by an audited delete event (0 = never).");
    public static final ConfigKey RETENTION_APP_TTL_MS = ConfigKey.longKey("retention.app.ttl.ms", 0, 0, Long.MAX_VALUE,
            "App data not updated for this long is deleted by an audited delete event (0 = never).");
    public static final ConfigKey RETENTION_HISTORY_MAX_VERSIONS = ConfigKey.integer("retention.history.max.versions", 0, 0,
            Integer.MAX_VALUE, "Versions of one key kept in this node's history index (0 = all; the log keeps them regardless).");
    public static final ConfigKey RETENTION_HISTORY_MAX_AGE_MS = ConfigKey.longKey("retention.history.max.age.ms", 0, 0,
            Long.MAX_VALUE, "History entries older than this are dropped from this node's index, the newest of a key always kept (0 = keep).");
    public static final ConfigKey RETENTION_CHECK_INTERVAL_MS = ConfigKey.longKey("retention.check.interval.ms", 60_000, 1_000,
            Long.MAX_VALUE, "How often expiry and history pruning run.");
    public static final ConfigKey ROCKSDB_BLOCK_CACHE_BYTES = ConfigKey.longKey("rocksdb.block.cache.bytes", 512L * 1024 * 1024,
            0, Long.MAX_VALUE, "RocksDB block cache shared by all tables.");
    public static final ConfigKey ROCKSDB_COMPRESSION = ConfigKey.choice("rocksdb.compression", "lz4",
            List.of("none", "lz4", "zstd"), "Compression of the projection's files (large values are stored compressed).");
    public static final ConfigKey ROCKSDB_BACKGROUND_PRIORITY = ConfigKey.choice("rocksdb.background.priority", "normal",
            List.of("normal", "low"), "CPU priority of the projection's flushes and compactions. low: the lowest (nice 19), so saves, "
                    + "loads and the projector come first and files are written when the CPU has time; under a sustained overload the "
                    + "projection then falls behind the log instead of slowing the writers. Holds for every RocksDB in the process "
                    + "from the first node opened with low on (a priority is only ever lowered).");
    public static final ConfigKey FEED_BUFFER_BYTES = ConfigKey.longKey("feed.buffer.bytes", 64L * 1024 * 1024, 1024 * 1024,
            64L * 1024 * 1024 * 1024, "Memory for recently applied events, split evenly over the partitions: change feeds at the log's "
                    + "tail are all served from it (no Kafka consumer or thread each); a feed behind it reads the log until it catches up. "
                    + "Held off the Java heap (direct memory, within -XX:MaxDirectMemorySize, by default the maximum heap size).");
    public static final ConfigKey FEED_CATCHUP_MAX_COUNT = ConfigKey.integer("feed.catchup.max.count", 16, 1, 10_000,
            "Most change feeds (and audit-log reads) reading the log on their own at once, each with a Kafka consumer; more wait their turn.");
    public static final ConfigKey BOOTSTRAP_FROM = ConfigKey.string("bootstrap.from", "",
            "A peer node's API (http://peer:8080): a node with no projection yet copies the peer's checkpoint (verified) and "
                    + "catches up only the log's tail. Empty: project the whole log.");
    public static final ConfigKey BOOTSTRAP_API_KEY = ConfigKey.string("bootstrap.api.key", "",
            "An admin API key of bootstrap.from (prefer the environment variable over the command line).");

    /** Every key of the store, in documentation order. */
    public static final List<ConfigKey> KEYS = List.of(DATA_DIR, NODE_ID, KAFKA_BOOTSTRAP_SERVERS, KAFKA_EMBEDDED_PORT,
            KAFKA_EMBEDDED_FLUSH_EVERY_MESSAGE, KAFKA_TOPIC, KAFKA_TOPIC_PARTITIONS, KAFKA_TOPIC_REPLICATION_FACTOR,
            KAFKA_TOPIC_MIN_INSYNC_REPLICAS, KAFKA_TOPIC_RETENTION_MS, VALUE_MAX_BYTES, BATCH_MAX_CHANGES, BATCH_MAX_BYTES,
            READ_WAIT_TIMEOUT_MS, WRITE_TIMEOUT_MS, WRITE_MAX_INFLIGHT_BYTES, IDEMPOTENCY_WINDOW_MS, PRODUCER_LINGER_MS,
            PRODUCER_BATCH_BYTES, PRODUCER_COMPRESSION, PROJECTOR_POLL_MAX_RECORDS, PROJECTOR_SNAPSHOT_INTERVAL_MS,
            PROJECTOR_SNAPSHOT_RETAIN_COUNT, RETENTION_ENTITY_TTL_MS, RETENTION_APP_TTL_MS, RETENTION_HISTORY_MAX_VERSIONS,
            RETENTION_HISTORY_MAX_AGE_MS, RETENTION_CHECK_INTERVAL_MS, ROCKSDB_BLOCK_CACHE_BYTES,
            ROCKSDB_COMPRESSION, ROCKSDB_BACKGROUND_PRIORITY, FEED_BUFFER_BYTES, FEED_CATCHUP_MAX_COUNT, BOOTSTRAP_FROM, BOOTSTRAP_API_KEY);

    private static final String KAFKA_PREFIX = "kafka.";
    /** Prefixes under {@code kafka.} that are worldstore's own: their keys never pass through to the Kafka clients. */
    private static final List<String> OWN_KAFKA_NAMESPACES = List.of("kafka.topic.", "kafka.embedded.");

    private final Map<String, String> values;
    private final Map<String, String> kafkaPassThrough;

    private WorldStoreConfig(Map<String, String> values, Map<String, String> kafkaPassThrough) {
        this.values = Map.copyOf(values);
        this.kafkaPassThrough = Map.copyOf(kafkaPassThrough);
    }

    /** All defaults. */
    public static WorldStoreConfig defaults() {
        return of(Map.of());
    }

    /**
     * Validates {@code settings} and freezes them.
     *
     * @throws ConfigException for an unknown key or a value that breaks its rule
     */
    public static WorldStoreConfig of(Map<String, String> settings) {
        Map<String, String> passThrough = new TreeMap<>();
        Map<String, String> values = ConfigKey.resolve(KEYS, settings, (name, value) -> {
            for (String own : OWN_KAFKA_NAMESPACES) {
                if (name.startsWith(own)) {
                    throw new ConfigException(name, "is not a worldstore configuration key, and " + own + "* keys are worldstore's own "
                            + "(they do not pass through to Kafka); the known ones are " + String.join(", ", KEYS.stream()
                                    .map(ConfigKey::name).filter(k -> k.startsWith(own)).toList()));
                }
            }
            if (name.startsWith(KAFKA_PREFIX) && name.length() > KAFKA_PREFIX.length()) {
                passThrough.put(name.substring(KAFKA_PREFIX.length()), value);
            } else {
                throw new ConfigException(name, "is not a worldstore configuration key (see the README's configuration table)");
            }
        });
        WorldStoreConfig c = new WorldStoreConfig(values, passThrough);
        c.checkAcrossKeys();
        return c;
    }

    /** Rules that join two keys: checked once, at start, never corrected silently. */
    private void checkAcrossKeys() {
        String peer = get(BOOTSTRAP_FROM).trim();
        if (!peer.isEmpty()) {
            java.net.URI u;
            try {
                u = new java.net.URI(peer);
            } catch (java.net.URISyntaxException e) {
                throw new ConfigException(BOOTSTRAP_FROM.name(), "must be a peer's API address like http://peer:8080, was '" + peer + "'");
            }
            if (!("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme())) || u.getHost() == null
                    || (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")) || u.getRawQuery() != null) {
                throw new ConfigException(BOOTSTRAP_FROM.name(), "must be http://host:port or https://host:port (no path), was '" + peer + "'");
            }
        } else if (!get(BOOTSTRAP_API_KEY).isEmpty()) {
            throw new ConfigException(BOOTSTRAP_API_KEY.name(), "is set but " + BOOTSTRAP_FROM.name() + " is not: it would do nothing");
        }
        if (getInt(BATCH_MAX_BYTES) < getInt(VALUE_MAX_BYTES)) {
            throw new ConfigException(BATCH_MAX_BYTES.name(), "must be at least " + VALUE_MAX_BYTES.name() + " ("
                    + getInt(VALUE_MAX_BYTES) + ") so that a batch can hold the largest value, was " + getInt(BATCH_MAX_BYTES));
        }
        int minIsr = getInt(KAFKA_TOPIC_MIN_INSYNC_REPLICAS);
        int replication = getInt(KAFKA_TOPIC_REPLICATION_FACTOR);
        if (minIsr == 0) {
            throw new ConfigException(KAFKA_TOPIC_MIN_INSYNC_REPLICAS.name(), "must be -1 (the broker's default) or at least 1, was 0");
        }
        if (replication == 0) {
            throw new ConfigException(KAFKA_TOPIC_REPLICATION_FACTOR.name(), "must be -1 (the broker's default) or at least 1, was 0");
        }
        if (minIsr > 0 && replication > 0 && minIsr > replication) {
            // every acks=all write would fail with NOT_ENOUGH_REPLICAS
            throw new ConfigException(KAFKA_TOPIC_MIN_INSYNC_REPLICAS.name(), "must be at most " + KAFKA_TOPIC_REPLICATION_FACTOR.name()
                    + " (" + replication + "), or no save could ever be acknowledged; was " + minIsr);
        }
        if (replication > 1 && embeddedKafka()) {
            throw new ConfigException(KAFKA_TOPIC_REPLICATION_FACTOR.name(), "must be -1 or 1 with the embedded single-node broker "
                    + "(kafka.bootstrap.servers is empty), was " + replication);
        }
        if (minIsr > 1 && embeddedKafka()) {
            throw new ConfigException(KAFKA_TOPIC_MIN_INSYNC_REPLICAS.name(), "must be -1 or 1 with the embedded single-node broker "
                    + "(kafka.bootstrap.servers is empty), or no save could ever be acknowledged; was " + minIsr);
        }
        long linger = getLong(PRODUCER_LINGER_MS);
        if (getLong(WRITE_MAX_INFLIGHT_BYTES) < getInt(BATCH_MAX_BYTES) || getLong(WRITE_MAX_INFLIGHT_BYTES) < getInt(VALUE_MAX_BYTES)) {
            throw new ConfigException(WRITE_MAX_INFLIGHT_BYTES.name(), "must be at least " + BATCH_MAX_BYTES.name() + " and "
                    + VALUE_MAX_BYTES.name() + " so the largest write fits, was " + getLong(WRITE_MAX_INFLIGHT_BYTES));
        }
        long writeTimeout = getLong(WRITE_TIMEOUT_MS);
        if (writeTimeout <= linger) {
            // Kafka's delivery timeout (= write.timeout.ms) must cover the linger and one request
            throw new ConfigException(WRITE_TIMEOUT_MS.name(), "must be more than " + PRODUCER_LINGER_MS.name() + " (" + linger
                    + "), was " + writeTimeout);
        }
    }

    /** Convenience for tests and embedding: {@code of(Map.of(...))} from key/value pairs. */
    public static WorldStoreConfig of(String... keyValuePairs) {
        if (keyValuePairs.length % 2 != 0) {
            throw new IllegalArgumentException("key/value pairs expected");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValuePairs.length; i += 2) {
            m.put(keyValuePairs[i], keyValuePairs[i + 1]);
        }
        return of(m);
    }

    /** A copy with {@code key} set to {@code value}, validated again. */
    public WorldStoreConfig with(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(values);
        kafkaPassThrough.forEach((k, v) -> m.put(KAFKA_PREFIX + k, v));
        m.put(key, value);
        return of(m);
    }

    public String get(ConfigKey key) {
        String v = values.get(key.name());
        if (v == null) {
            throw new IllegalArgumentException(key.name() + " is not a store key");
        }
        return v;
    }

    public int getInt(ConfigKey key) {
        return Integer.parseInt(get(key).trim());
    }

    public long getLong(ConfigKey key) {
        return Long.parseLong(get(key).trim());
    }

    public boolean getBoolean(ConfigKey key) {
        return Boolean.parseBoolean(get(key));
    }

    public Path getPath(ConfigKey key) {
        return Path.of(get(key));
    }

    public Path dataDir() {
        return getPath(DATA_DIR);
    }

    /** True when no external Kafka is configured and the embedded broker must start. */
    public boolean embeddedKafka() {
        return get(KAFKA_BOOTSTRAP_SERVERS).isBlank();
    }

    /** Kafka client settings given as {@code kafka.*} keys that are not worldstore's own, prefix removed. */
    public Properties kafkaClientOverrides() {
        Properties p = new Properties();
        p.putAll(kafkaPassThrough);
        return p;
    }

    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>(values);
        if (!shown.getOrDefault(BOOTSTRAP_API_KEY.name(), "").isEmpty()) {
            shown.put(BOOTSTRAP_API_KEY.name(), "****");
        }
        return "WorldStoreConfig" + shown + (kafkaPassThrough.isEmpty() ? "" : " kafka" + kafkaPassThrough.keySet());
    }
}
