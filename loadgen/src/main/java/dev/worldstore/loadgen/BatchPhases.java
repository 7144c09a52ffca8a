package dev.worldstore.loadgen;

import dev.worldstore.Key;
import dev.worldstore.ReadConsistency;
import dev.worldstore.Stored;
import dev.worldstore.WorldStore;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.projector.WorldStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * The world-transaction phases of the in-process bench, on a node and topic of their own (so the
 * catch-up reads batch events only): (e) batch saves of Hyperfy-shaped entities through
 * {@link WorldStore#writeBatchAsync}, N in flight, after a warm-up of the same; (f) projector
 * catch-up of a fresh node over that topic, every change of every batch written to the state and
 * to the history. Stateless.
 */
final class BatchPhases {
    /** Issue 11: changes per second applied by a fresh node's projector catching up on batch events. */
    static final double TARGET_CATCHUP_CHANGES = 250_000;

    private BatchPhases() {
    }

    /**
     * What (e) and (f) produced.
     *
     * @param rows the table rows, in order
     * @param catchUp (f)'s run, or {@code null} if skipped
     * @param catchUpChanges the changes (f) applied
     * @param failures failed batch saves; {@code firstFailure} the first one's error, or {@code null}
     * @param facts one line for the report's data list
     */
    record Outcome(List<String[]> rows, CatchUpRun catchUp, long catchUpChanges, long failures, String firstFailure, String facts) {
        /** (f)'s changes per second, opening the node included; -1 if skipped. */
        double catchUpChangesPerSecond() {
            return catchUp == null ? -1 : catchUpChanges / (catchUp.nanos() / 1e9);
        }
    }

    /**
     * Opens a node with {@code writer}'s settings (its own topic), warms it up with batch saves for
     * {@link InProcessBench.Options#warmupSeconds()}, times {@link InProcessBench.Options#batches()}
     * more, waits for its projection and closes it (so it does not compete with what follows), then
     * unless {@link InProcessBench.Options#skipCatchup()} times a node with {@code fresh}'s settings
     * catching up on the topic, and closes that.
     *
     * @throws IllegalStateException if the fresh node's projector fails, or misses the last batch
     */
    static Outcome run(InProcessBench.Options o, NodeConfig writer, NodeConfig fresh, Consumer<String> progress)
            throws InterruptedException {
        List<String[]> rows = new ArrayList<>();
        progress.accept("(e) opening node B for world transactions on topic " + writer.config().get(WorldStoreConfig.KAFKA_TOPIC));
        BatchWriter w;
        long events = 0;
        Stored last;
        String topic;
        try (WorldStore b = WorldStores.open(writer.config(), new SimpleMeterRegistry(), Clock.systemUTC())) {
            w = new BatchWriter(b, b.operations().partitions(), o.entities(), o.worlds());
            if (o.warmupSeconds() > 0) {
                progress.accept("(e) warm-up: " + o.warmupSeconds() + " s of batch saves (not measured)");
                w.runUntil(System.nanoTime() + o.warmupSeconds() * 1_000_000_000L, o.batchInFlight());
                w.awaitProjection();
            }
            progress.accept("(e) batch saves: " + Latency.count(o.batches()) + " batches of " + BatchWriter.SIZE + " entities, "
                    + o.batchInFlight() + " in flight");
            Phase pe = w.run(o.batches(), o.batchInFlight());
            Histogram h = pe.latency();
            double perSecond = pe.ops() / (pe.nanos() / 1e9);
            rows.add(new String[] {"batch save (writeBatchAsync), " + BatchWriter.SIZE + " entities per batch, " + o.batchInFlight()
                    + " in flight", Latency.count(pe.ops()) + " batches", Latency.seconds(pe.nanos()),
                    Latency.rate(perSecond) + " (" + changes(perSecond * BatchWriter.SIZE) + ")",
                    Latency.p(h, 50), Latency.p(h, 99), Latency.p(h, 99.9), Latency.max(h)});
            w.awaitProjection();
            for (long next : b.operations().appliedOffsets()) {
                events += next;
            }
            last = b.read(w.lastKey(), ReadConsistency.LOCAL).orElse(null); // null if every batch failed
            topic = b.operations().topic();
        }
        long total = events * BatchWriter.SIZE;
        String facts = "(e)(f) " + Latency.count(w.entities()) + " Hyperfy-shaped entities of ~" + w.averageValueBytes()
                + " bytes over " + Math.min(o.worlds(), w.entities() / BatchWriter.SIZE) + " worlds, one batch per world's "
                + BatchWriter.SIZE + " entities, on topic " + topic + " of node B (closed before (f)); its log holds "
                + Latency.count(events) + " batch events (warm-up included) = " + Latency.count(total) + " changes";
        CatchUpRun cu = null;
        if (!o.skipCatchup()) {
            progress.accept("(f) projector catch-up: fresh node on node B's topic, " + Latency.count(events) + " batch events, "
                    + Latency.count(total) + " changes");
            cu = CatchUpRun.measure(fresh, c -> checkLast(c, last));
            double changesPerSecond = total / (cu.nanos() / 1e9);
            rows.add(new String[] {"projector catch-up of batches, fresh node (open " + Latency.seconds(cu.openNanos()) + " incl.; "
                    + changes(total / (cu.applyNanos() / 1e9)) + " once open)", Latency.count(events) + " events, " + Latency.count(total)
                    + " changes", Latency.seconds(cu.nanos()), changes(changesPerSecond) + " ("
                    + String.format(Locale.ROOT, "%,.0f events/s", events / (cu.nanos() / 1e9)) + ")", "", "", "", ""});
        }
        return new Outcome(rows, cu, total, w.failures.get(), w.firstFailure.get(), facts);
    }

    /**
     * State and history were both written: the fresh node holds {@code expected}, the newest value of
     * the last entity node B wrote, and that key's newest history entry is the same version. Nothing
     * to check without {@code expected}.
     */
    private static void checkLast(WorldStore fresh, Stored expected) {
        if (expected == null) {
            return;
        }
        Key key = expected.key();
        Stored state = fresh.read(key, ReadConsistency.LOCAL)
                .orElseThrow(() -> new IllegalStateException("the fresh node has no state for " + key));
        var history = fresh.history(key, Long.MAX_VALUE, 1, false, ReadConsistency.LOCAL).items();
        if (state.version() != expected.version() || history.isEmpty() || history.get(0).version() != expected.version()) {
            throw new IllegalStateException("the fresh node's state or history of " + key + " misses version " + expected.version());
        }
    }

    private static String changes(double perSecond) {
        return String.format(Locale.ROOT, "%,.0f changes/s", perSecond);
    }
}
