package dev.worldstore.bench;

import java.util.concurrent.CompletableFuture;

/**
 * A synchronous writer that groups saves into transactions (SQLite) or write batches (RocksDB) of
 * {@code batchSize}; with a batch size of 1 every save is its own transaction. A save's future
 * completes when it was added; its batch is durable once {@link #flush()} or the batch's last save returns.
 */
abstract class BatchingWriter implements Writer {
    private final int batchSize;
    private int pending;

    BatchingWriter(int batchSize) {
        this.batchSize = batchSize;
    }

    /** Adds one save to the open batch. */
    abstract void add(int key, int variant) throws Exception;

    /** Makes the open batch durable (commit, write). */
    abstract void commit() throws Exception;

    @Override
    public final CompletableFuture<?> write(int key, int variant) {
        try {
            add(key, variant);
            if (++pending == batchSize) {
                pending = 0;
                commit();
            }
            return CompletableFuture.completedFuture(null);
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public final void flush() throws Exception {
        if (pending > 0) {
            pending = 0;
            commit();
        }
    }
}
