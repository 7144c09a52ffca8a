package dev.worldstore.loadgen;

import dev.worldstore.BatchSaved;
import dev.worldstore.Change;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.WorldStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Issues the in-process bench's world transactions: batches of {@link #SIZE} Hyperfy-shaped
 * entities ({@link Bodies#entity}, the values {@code bench --http} posts) through
 * {@link WorldStore#writeBatchAsync}. Entity {@code i} is {@code e<i>} of world
 * {@code bench-e<(i / SIZE) mod worlds>}, so every batch of consecutive entities belongs to one
 * world. Every batch is built once, for two ticks (the saves alternate between them pass by pass),
 * so the client spends its time waiting, not serialising. Tracks per partition the highest
 * acknowledged offset so the projection can be awaited; failures are counted, the first one kept.
 *
 * <p>Its counters are thread-safe (completion callbacks update them); its runs are made by one
 * thread at a time.
 */
final class BatchWriter {
    /** Changes per batch, as the issue asks. */
    static final int SIZE = 100;

    private final WorldStore store;
    /** Pass {@code t}'s batch {@code b} is {@code batches.get(t % 2 * perPass + b)}. */
    private final List<List<Change>> batches;
    private final int perPass;
    private final AtomicLongArray highest;
    final AtomicLong failures = new AtomicLong();
    final AtomicReference<String> firstFailure = new AtomicReference<>();
    /** The next batch index of the round robin over the entities; continues from one run to the next. */
    private long next;

    /**
     * @param entities distinct entities; rounded up to a multiple of {@link #SIZE}
     * @param worlds worlds the batches are spread over
     */
    BatchWriter(WorldStore store, int partitions, int entities, int worlds) {
        this.store = store;
        this.perPass = (entities + SIZE - 1) / SIZE;
        this.batches = new ArrayList<>(2 * perPass);
        for (int tick = 0; tick < 2; tick++) {
            for (int b = 0; b < perPass; b++) {
                String world = "bench-e" + (b % worlds);
                List<Change> changes = new ArrayList<>(SIZE);
                for (int id = b * SIZE; id < (b + 1) * SIZE; id++) {
                    changes.add(Change.putJson(new Key.Entity(world, "e" + id), Bodies.entity(id, tick).getBytes(StandardCharsets.UTF_8)));
                }
                batches.add(List.copyOf(changes));
            }
        }
        this.highest = new AtomicLongArray(partitions);
        for (int p = 0; p < partitions; p++) {
            highest.set(p, -1);
        }
    }

    /** Distinct entities written: the requested count rounded up to whole batches. */
    int entities() {
        return perPass * SIZE;
    }

    /** Average JSON bytes of the entity values, for the report. */
    int averageValueBytes() {
        long bytes = 0;
        for (Change c : batches.get(0)) {
            bytes += c.payloadJson().length;
        }
        return (int) (bytes / SIZE);
    }

    /** {@code n} batches with at most {@code inFlight} outstanding; the latency of each batch from its call to its acknowledgement. */
    Phase run(long n, int inFlight) throws InterruptedException {
        return InFlight.measure(n, inFlight, i -> send(), this::done);
    }

    /** Batches with at most {@code inFlight} outstanding until {@code deadline} ({@link System#nanoTime()}); not measured. */
    void runUntil(long deadline, int inFlight) throws InterruptedException {
        InFlight.until(deadline, inFlight, i -> send(), this::done);
    }

    /** The batch the {@code i}-th save sends. */
    private List<Change> batch(long i) {
        return batches.get((int) (i / perPass % 2 * perPass + i % perPass));
    }

    /** The key of the last change of the last batch sent; {@code null} before the first. */
    Key lastKey() {
        if (next == 0) {
            return null;
        }
        List<Change> last = batch(next - 1);
        return last.get(last.size() - 1).key();
    }

    private CompletableFuture<BatchSaved> send() {
        List<Change> changes = batch(next++);
        return store.writeBatchAsync(((Key.Entity) changes.get(0).key()).worldId(), changes, null);
    }

    private void done(BatchSaved s, Throwable error) {
        if (error != null) {
            failures.incrementAndGet();
            Throwable e = error.getCause() != null && error instanceof CompletionException ? error.getCause() : error;
            firstFailure.compareAndSet(null, e.toString());
        } else {
            highest.accumulateAndGet(s.position().partition(), s.position().offset(), Math::max);
        }
    }

    /** Waits until this node's projection includes every acknowledged batch. */
    void awaitProjection() {
        for (int p = 0; p < highest.length(); p++) {
            long o = highest.get(p);
            if (o >= 0) {
                store.awaitPosition(new LogPosition(p, o), Duration.ofMinutes(10));
            }
        }
    }
}
