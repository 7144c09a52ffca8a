package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.ChangeFeed;
import dev.worldstore.ChangeRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Polling a change feed in tests: wait for a number of records, with a deadline instead of sleeps. */
final class FeedPolls {
    private FeedPolls() {
    }

    /** Polls until {@code n} records arrived; fails the test after {@code wait}. */
    static List<ChangeRecord> pollUntil(ChangeFeed feed, int n, Duration wait) {
        List<ChangeRecord> got = new ArrayList<>();
        long deadline = System.nanoTime() + wait.toNanos();
        while (got.size() < n) {
            assertTrue(System.nanoTime() < deadline, "only " + got.size() + " of " + n + " changes arrived");
            got.addAll(feed.poll(Duration.ofMillis(500)));
        }
        return got;
    }
}
