package dev.worldstore.bench;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.Options;

/** Kafka Streams' RocksDB options for the tuned KTable: larger memtables, so fewer flushes while materialising. */
public final class TunedRocksDb implements RocksDBConfigSetter {
    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        options.setWriteBufferSize(64L * 1024 * 1024);
        options.setMaxWriteBufferNumber(3);
        options.setMaxBackgroundJobs(2);
    }

    @Override
    public void close(String storeName, Options options) {
    }
}
