package dev.worldstore.bench;

/** Loads one player state. Each load thread opens its own; a missing value is an error, not a fast miss. */
interface Reader extends AutoCloseable {

    /** Loads {@code key} and touches the value. @throws Exception if it is absent or the load fails */
    void read(int key) throws Exception;

    /** Releases what the reader holds; failures are unchecked. */
    @Override
    default void close() {
    }

    /** Opens one {@link Reader} per load thread (a connection, a client, or just the shared store). */
    @FunctionalInterface
    interface Source {
        Reader open() throws Exception;
    }
}
