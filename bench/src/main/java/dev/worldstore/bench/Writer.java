package dev.worldstore.bench;

import java.util.concurrent.CompletableFuture;

/**
 * Saves one player state. Implemented by every contender that writes: worldstore, the bare
 * producer, SQLite and bare RocksDB. Used by one caller thread at a time (the driver); completion
 * callbacks may run on other threads.
 */
interface Writer extends AutoCloseable {

    /**
     * Saves {@code key} with payload {@code variant}. Completes once the save is as durable as the
     * contender promises (Kafka acknowledged it, the transaction committed), or exceptionally.
     * Synchronous contenders return a completed future; they never throw.
     */
    CompletableFuture<?> write(int key, int variant);

    /** Completes anything still buffered (a partial batch). Part of the timed run. */
    default void flush() throws Exception {
    }

    /** Releases what the writer holds; failures are unchecked (a benchmark reports them and stops). */
    @Override
    default void close() {
    }
}
