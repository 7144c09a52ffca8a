package dev.worldstore.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The Kafka Streams peer: a KTable ({@code builder.table(topic, Materialized.as(store))})
 * materialising a pre-filled topic of key-value records into its RocksDB store, restoring that
 * store from its changelog, and answering interactive-query gets.
 */
final class KafkaStreamsPeer implements AutoCloseable {
    static final String STORE = "player-states";

    private static final AtomicInteger APPS = new AtomicInteger();

    private final Broker broker;
    private final String topic;
    private final Path stateDir;
    /**
     * The last application of each settings, kept for restores and queries. Applications are closed
     * (keeping their local state) as soon as they are measured: a live one would go on flushing its
     * cache and writing its changelog while the next contender is measured.
     */
    private final Map<KsSettings, App> last = new EnumMap<>(KsSettings.class);

    KafkaStreamsPeer(Broker broker, String topic, Path stateDir) {
        this.broker = broker;
        this.topic = topic;
        this.stateDir = stateDir;
    }

    /** One Kafka Streams application instance with its id, kept so a restore can restart it from empty state. */
    private record App(String id, KsSettings settings, KafkaStreams streams) {
        /** Closes leaving the group, so a restarted instance need not wait for the session timeout. */
        void close(boolean deleteLocalState) {
            streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(Duration.ofSeconds(30)));
            if (deleteLocalState) {
                streams.cleanUp();
            }
        }
    }

    private App start(String appId, KsSettings settings, StateRestoreListener restores) {
        Properties p = settings.properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        StreamsBuilder builder = new StreamsBuilder();
        builder.table(topic, Consumed.with(Serdes.String(), Serdes.ByteArray()),
                Materialized.<String, byte[], KeyValueStore<Bytes, byte[]>>as(STORE));
        KafkaStreams streams = new KafkaStreams(builder.build(p), p);
        if (restores != null) {
            streams.setGlobalStateRestoreListener(restores);
        }
        streams.start();
        return new App(appId, settings, streams);
    }

    /**
     * Materialises the whole topic with {@code settings}: each run is a new application (new id,
     * empty state); done when its threads processed every record of the topic. Then it is closed
     * (not timed), its state kept for {@link #restore} and {@link #resume}.
     */
    CatchUp materialise(KsSettings settings) {
        return deadline -> {
            long records = broker.records(topic);
            long start = System.nanoTime();
            App app = start("bench-ks-" + settings.name().toLowerCase(java.util.Locale.ROOT) + "-" + APPS.incrementAndGet(), settings, null);
            replace(settings, app);
            Processed counter = new Processed(app.streams, settings.threads());
            long processed = 0;
            while (System.nanoTime() < deadline && (processed = counter.get()) < records) {
                failIfDead(app.streams);
                LockSupport.parkNanos(1_000_000);
            }
            Sample sample = Sample.of(Math.min(processed, records), System.nanoTime() - start);
            app.close(false);
            return sample;
        };
    }

    /**
     * Restores the store of the last {@code settings} application from its changelog: stops it,
     * deletes its local state, starts it again with the same id and waits until it is RUNNING with
     * every non-empty changelog partition restored.
     */
    CatchUp restore(KsSettings settings) {
        return deadline -> {
            App old = last.get(settings);
            if (old == null) {
                throw new IllegalStateException("materialise " + settings + " before restoring it");
            }
            old.close(true);
            String changelog = old.id() + "-" + STORE + "-changelog";
            Set<TopicPartition> toRestore = ConcurrentHashMap.newKeySet();
            broker.endOffsets(changelog).forEach((tp, end) -> {
                if (end > 0) {
                    toRestore.add(tp);
                }
            });
            Restores restores = new Restores();
            long start = System.nanoTime();
            App app = start(old.id(), settings, restores);
            last.put(settings, app);
            while (System.nanoTime() < deadline
                    && !(app.streams.state() == KafkaStreams.State.RUNNING && restores.ended.containsAll(toRestore))) {
                failIfDead(app.streams);
                LockSupport.parkNanos(1_000_000);
            }
            Sample sample = Sample.of(restores.restored.get(), System.nanoTime() - start);
            app.close(false);
            return sample;
        };
    }

    /**
     * Starts the last {@code settings} application again from its local state and waits until it
     * is RUNNING, for {@link #queries}.
     *
     * @throws IllegalStateException if it was never materialised or is not running by the deadline
     */
    void resume(KsSettings settings, long deadlineNanos) {
        App old = last.get(settings);
        if (old == null) {
            throw new IllegalStateException("materialise " + settings + " before querying it");
        }
        old.close(false);
        App app = start(old.id(), settings, null);
        last.put(settings, app);
        while (app.streams.state() != KafkaStreams.State.RUNNING) {
            failIfDead(app.streams);
            if (System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException("Kafka Streams application " + old.id() + " is not running: " + app.streams.state());
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** Interactive-query gets on the {@code settings} application's store; {@link #resume} it first. */
    Reader.Source queries(KsSettings settings) {
        return () -> {
            ReadOnlyKeyValueStore<String, byte[]> store = last.get(settings).streams
                    .store(StoreQueryParameters.fromNameAndType(STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
            return key -> {
                if (store.get(Workload.compositeKey(key)) == null) {
                    throw new IllegalStateException("the KTable has no value for key " + key);
                }
            };
        };
    }

    private void replace(KsSettings settings, App app) {
        App previous = last.put(settings, app);
        if (previous != null) {
            previous.close(true);
        }
    }

    /**
     * Records processed so far by all stream threads: the sum of their {@code process-total}
     * metrics. {@link KafkaStreams#metrics()} copies thousands of metrics, so it is only consulted
     * (at most every 100 ms) until every thread's counter was found; then just those are read.
     */
    private static final class Processed {
        private final KafkaStreams streams;
        private final int threads;
        private List<Metric> counters = List.of();
        private long lookedUp;

        Processed(KafkaStreams streams, int threads) {
            this.streams = streams;
            this.threads = threads;
        }

        long get() {
            if (counters.size() < threads && System.nanoTime() - lookedUp > 100_000_000) {
                lookedUp = System.nanoTime();
                counters = streams.metrics().entrySet().stream()
                        .filter(m -> m.getKey().name().equals("process-total") && m.getKey().group().equals("stream-thread-metrics"))
                        .map(Map.Entry::getValue).map(Metric.class::cast).toList();
            }
            double total = 0;
            for (Metric m : counters) {
                total += ((Number) m.metricValue()).doubleValue();
            }
            return (long) total;
        }
    }

    private static void failIfDead(KafkaStreams streams) {
        KafkaStreams.State s = streams.state();
        if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING || s == KafkaStreams.State.PENDING_ERROR) {
            throw new IllegalStateException("Kafka Streams stopped: " + s);
        }
    }

    /** Counts restored records and the changelog partitions whose restore ended. */
    private static final class Restores implements StateRestoreListener {
        final Set<TopicPartition> ended = ConcurrentHashMap.newKeySet();
        final AtomicLong restored = new AtomicLong();

        @Override
        public void onRestoreStart(TopicPartition partition, String storeName, long startingOffset, long endingOffset) {
        }

        @Override
        public void onBatchRestored(TopicPartition partition, String storeName, long batchEndOffset, long numRestored) {
            restored.addAndGet(numRestored);
        }

        @Override
        public void onRestoreEnd(TopicPartition partition, String storeName, long totalRestored) {
            ended.add(partition);
        }
    }

    @Override
    public void close() {
        last.values().forEach(a -> a.close(false));
        last.clear();
    }
}
