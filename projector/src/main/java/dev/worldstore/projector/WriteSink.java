package dev.worldstore.projector;

/**
 * Where the projection rules put their writes: in production one RocksDB {@code WriteBatch} per
 * poll, in tests a map. Writes are applied atomically by whoever owns the sink.
 */
interface WriteSink {
    void put(Cf cf, byte[] key, byte[] value);

    void delete(Cf cf, byte[] key);

    /** A merge under the family's merge operator (only {@link Cf#LAST_SEEN}: the larger big-endian long wins). */
    void merge(Cf cf, byte[] key, byte[] value);
}
