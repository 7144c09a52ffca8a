package dev.worldstore;

import java.time.Duration;
import java.util.List;

/**
 * A world's accepted changes in log order. A feed at the log's tail is served from the node's
 * memory of recently applied events, shared by all feeds (no Kafka consumer and no thread per feed);
 * one that starts from an older position, or falls so far behind that its world's events left that
 * memory, reads the change log on its own until it is back at the tail. Either way it can resume
 * from any position, and every change comes once, in log order. A change is delivered only once
 * this node's projection has applied it, so a reader can load what it was told about, and changes
 * the projector refused (failed conditions, dead letters) or that changed nothing are never delivered.
 *
 * <p>Not thread-safe: one reader per feed, except {@link #close()} and {@link #onAvailable}. Close
 * it to release what it holds.
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
     * The changes available now, without waiting: for a reader that serves many feeds from a few
     * threads (with {@link #onAvailable}). Never blocks on the log.
     *
     * @return changes in log order; empty if none is ready now
     * @throws StoreClosedException if the store or the feed was closed
     */
    default List<ChangeRecord> pollNow() {
        return poll(Duration.ZERO);
    }

    /**
     * Asks to be called back, once, when {@link #pollNow} may return changes (or throw: the feed
     * ended). Returns at once; calls back at once if that is already so. A later call replaces an
     * earlier callback that has not run. The callback runs on a thread of the store (the projector's,
     * say): it must be quick and must not poll; hand the work to an executor of your own.
     * Thread-safe.
     */
    default void onAvailable(Runnable callback) {
        callback.run();
    }

    /**
     * The position of the next change this feed will read (inclusive). To resume later without a gap
     * or a repeat, pass it to {@link WorldStore#changesFrom}; {@link WorldStore#changes} takes the
     * position of the last change received instead.
     */
    LogPosition position();

    @Override
    void close();
}
