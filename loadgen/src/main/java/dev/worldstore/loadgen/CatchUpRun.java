package dev.worldstore.loadgen;

import dev.worldstore.ProjectorState;
import dev.worldstore.WorldStore;
import dev.worldstore.projector.WorldStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One projector catch-up of the in-process bench: a fresh node (empty data dir) opened on a filled
 * topic, timed from the call until its projector is live with no lag, as a user restarting a node
 * would see it.
 *
 * @param openNanos opening the node (RocksDB, consumer, topic metadata); included in {@code nanos}
 * @param nanos from the call until the projector was live with no lag
 */
record CatchUpRun(long openNanos, long nanos) {

    /**
     * Opens a node with {@code fresh}'s settings, waits until it caught up, hands it to {@code check}
     * (not timed) and closes it.
     *
     * @throws IllegalStateException if the fresh node's projector fails
     */
    static CatchUpRun measure(NodeConfig fresh, Consumer<WorldStore> check) throws InterruptedException {
        long t0 = System.nanoTime();
        try (WorldStore c = WorldStores.open(fresh.config(), new SimpleMeterRegistry(), Clock.systemUTC())) {
            long opened = System.nanoTime() - t0;
            while (!(c.projectorLag() == 0 && c.projectorState() == ProjectorState.LIVE)) {
                if (c.projectorState() == ProjectorState.FAILED) {
                    throw new IllegalStateException("the fresh node's projector failed");
                }
                TimeUnit.MILLISECONDS.sleep(5);
            }
            CatchUpRun run = new CatchUpRun(opened, System.nanoTime() - t0);
            check.accept(c);
            return run;
        }
    }

    /** Time after the node was open until it caught up: the projector's own share. */
    long applyNanos() {
        return nanos - openNanos;
    }
}
