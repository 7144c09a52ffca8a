package dev.worldstore.bench;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** The two Kafka Streams configurations compared: out of the box, and the fastest found for this workload. */
enum KsSettings {
    /** Kafka Streams' defaults: one stream thread, 10 MiB record cache, a changelog topic per store. */
    DEFAULT {
        @Override
        Properties properties() {
            return new Properties();
        }
    },
    /** See {@link TunedRocksDb} and the comments below for what each setting buys. */
    TUNED {
        @Override
        Properties properties() {
            Properties p = new Properties();
            // the KTable's source topic doubles as its changelog: no second write of every record
            p.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE);
            // one thread per core (6 partitions = 6 tasks to spread)
            p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(Runtime.getRuntime().availableProcessors()));
            // bigger fetches and polls, as the worldstore projector uses
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), "5000");
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG), Integer.toString(64 * 1024 * 1024));
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), Integer.toString(8 * 1024 * 1024));
            p.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), "5000");
            p.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), Integer.toString(8 * 1024 * 1024));
            p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.toString(64L * 1024 * 1024));
            p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, TunedRocksDb.class.getName());
            return p;
        }
    };

    abstract Properties properties();

    /** Stream threads these settings start. */
    int threads() {
        return Integer.parseInt(properties().getProperty(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1"));
    }
}
