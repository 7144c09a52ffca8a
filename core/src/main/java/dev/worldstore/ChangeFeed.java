package dev.worldstore;

import java.time.Duration;
import java.util.List;

/**
 * A world's accepted changes in log order, read from the change log (not from memory) so a slow
 * reader costs no server memory and can resume from any position. A change is delivered only once
 * this node's projection has applied it, so a reader can load what it was told about, and changes
 * the projector refused (failed conditions, dead letters) are never delivered.
 *
 * <p>Not thread-safe: one reader per feed. Close it to release its Kafka consumer.
 */
public interface ChangeFeed extends AutoCloseable {

    /**
     * The next accepted changes, waiting up to {@code timeout} for at least one.
     *
     * @return changes in log order; empty if none arrived in time
     * @throws StoreClosedException if the store or the feed was closed
     */
    List<ChangeRecord> poll(Duration timeout);

    /**
     * The position of the next change this feed will read (inclusive). To resume later without a gap
     * or a repeat, pass it to {@link WorldStore#changesFrom}; {@link WorldStore#changes} takes the
     * position of the last change received instead.
     */
    LogPosition position();

    @Override
    void close();
}
