package dev.worldstore.projector;

import dev.worldstore.ChangeFeed;
import dev.worldstore.ChangeRecord;
import dev.worldstore.LogPosition;
import dev.worldstore.StoreClosedException;
import dev.worldstore.WorldStoreException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * A {@link ChangeFeed} over one world's partition, in one of two modes:
 *
 * <ul>
 *   <li><b>tail</b>: served from the node's {@link FeedHub} (the projector's applied events in
 *       memory): no consumer, no thread; {@link #onAvailable} is called back when the world gets an
 *       event.
 *   <li><b>catching up</b>: its position is older than the hub holds (a resume from long ago or of a
 *       world the hub no longer tracks, or a reader so slow that its world's events left the buffer). It then reads the log with a Kafka
 *       consumer of its own, on the hub's shared catch-up pool and with one of its
 *       {@code feed.catchup.max.count} slots (waiting its turn for one), skipping what the projection
 *       marked refused or unchanged, until its position is one the hub can serve; then it closes the
 *       consumer and joins the tail. Records are delivered in log order across the switch, each once.
 * </ul>
 *
 * Records reach the feed only once this node's projection has applied them. {@link #pollNow} and
 * {@link #onAvailable} never block; {@link #poll} waits. One reader at a time (not thread-safe),
 * except {@link #close()} and the callback registration, which any thread may call.
 */
final class SharedFeed implements ChangeFeed {
    /** Records handed out by one poll, about (a batch is never split). */
    static final int MAX_RECORDS = 500;
    private static final Duration FETCH = Duration.ofMillis(200);

    private final String worldId;
    private final byte[] routingKey;
    private final int partition;
    private final FeedHub hub;
    private final KafkaClients clients;
    private final RocksProjection projection;
    private final Progress progress;
    private final Operations.UseGateCall use;
    private final Runnable onClose;
    private final Object lock = new Object();
    /** Serialises the consumer between a catch-up step and close. */
    private final ReentrantLock consumerLock = new ReentrantLock();
    private final Runnable wake = this::fire;

    // guarded by lock
    private boolean closed;
    private boolean catchingUp;
    private boolean hasReader;
    private boolean waitingForReader;
    private boolean stepScheduled;
    /** Offset of the next record to look at (tail: in the hub; catching up: in the log). */
    private long cursor;
    /** Offset of the next record not yet handed out by a poll: {@link #position()}. */
    private long position;
    /** Catching up: records read but not yet handed out, and the offset after the last record looked at. */
    private final List<ChangeRecord> ready = new ArrayList<>();
    private long readyUpTo;
    private Runnable listener;
    private RuntimeException failure;

    // used under consumerLock only
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    SharedFeed(String worldId, int partition, long fromOffset, FeedHub hub, KafkaClients clients, RocksProjection projection,
            Progress progress, Operations.UseGateCall use, Runnable onClose) {
        this.worldId = worldId;
        this.routingKey = worldId.getBytes(StandardCharsets.UTF_8);
        this.partition = partition;
        this.hub = hub;
        this.clients = clients;
        this.projection = projection;
        this.progress = progress;
        this.use = use;
        this.onClose = onClose;
        this.cursor = fromOffset;
        this.position = fromOffset;
    }

    @Override
    public List<ChangeRecord> poll(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ChangeRecord> out = pollNow();
            long left = deadline - System.nanoTime();
            if (!out.isEmpty() || left <= 0) {
                return out;
            }
            CountDownLatch signal = new CountDownLatch(1);
            onAvailable(signal::countDown);
            try {
                signal.await(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new dev.worldstore.InterruptedWaitException("the change feed of world " + worldId, e);
            }
        }
    }

    @Override
    public List<ChangeRecord> pollNow() {
        long from;
        synchronized (lock) {
            if (closed) {
                throw new StoreClosedException("the change feed of world " + worldId + " is closed");
            }
            if (failure != null) {
                throw failure;
            }
            if (!ready.isEmpty()) {
                List<ChangeRecord> out = new ArrayList<>(ready);
                ready.clear();
                position = readyUpTo;
                scheduleStepIfNeeded();
                return out;
            }
            if (catchingUp) {
                position = readyUpTo;
                scheduleStepIfNeeded();
                return List.of();
            }
            from = cursor;
        }
        FeedHub.Read read = hub.read(worldId, partition, from, MAX_RECORDS);
        synchronized (lock) {
            if (read == null) {
                startCatchingUp();
                return List.of();
            }
            cursor = read.next();
            position = read.next();
            return read.records();
        }
    }

    @Override
    public void onAvailable(Runnable callback) {
        boolean now;
        long from;
        synchronized (lock) {
            listener = callback;
            now = closed || failure != null || !ready.isEmpty();
            from = cursor;
            if (!now && catchingUp) {
                scheduleStepIfNeeded();
                return; // the catch-up step fires it
            }
        }
        if (now) {
            fire();
        } else {
            hub.listen(worldId, partition, from, wake);
        }
    }

    private void fire() {
        Runnable r;
        synchronized (lock) {
            r = listener;
            listener = null;
        }
        if (r != null) {
            r.run();
        }
    }

    @Override
    public LogPosition position() {
        synchronized (lock) {
            return new LogPosition(partition, position);
        }
    }

    /** True while the feed reads the log on its own (for tests and metrics). */
    boolean catchingUp() {
        synchronized (lock) {
            return catchingUp;
        }
    }

    // ---- catching up --------------------------------------------------------------------------------

    /** Under lock: the hub cannot serve the cursor, so read the log from it. */
    private void startCatchingUp() {
        catchingUp = true;
        readyUpTo = cursor;
        position = cursor;
        scheduleStepIfNeeded();
    }

    /** Under lock: asks for a reader slot, or schedules the next step, unless one is pending or records wait. */
    private void scheduleStepIfNeeded() {
        if (!catchingUp || closed || failure != null || stepScheduled || !ready.isEmpty()) {
            return;
        }
        if (!hasReader) {
            if (!waitingForReader) {
                if (hub.readers().acquire(this)) {
                    hasReader = true;
                } else {
                    waitingForReader = true;
                    return;
                }
            } else {
                return;
            }
        }
        stepScheduled = true;
        try {
            hub.readers().run(this::step);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            stepScheduled = false;
            failure = new StoreClosedException("the change feed of world " + worldId + " ended: the node is closing");
        }
    }

    /** The hub granted a queued reader slot. */
    void readerGranted() {
        boolean release;
        synchronized (lock) {
            waitingForReader = false;
            release = closed;
            if (!closed) {
                hasReader = true;
                scheduleStepIfNeeded();
            }
        }
        if (release) {
            hub.readers().release();
        }
    }

    /**
     * One catch-up step on the shared pool: join the tail if possible, else one poll of the log. Steps
     * never overlap: the next is scheduled only once this one has published what it read
     * ({@code stepScheduled} stays set until then), and each reads the cursor under the consumer's lock.
     */
    private void step() {
        boolean fire = false;
        consumerLock.lock();
        try {
            long from;
            synchronized (lock) {
                if (closed || !catchingUp) {
                    stepScheduled = false;
                    return;
                }
                from = cursor;
            }
            if (hub.servable(worldId, partition, from)) {
                joinTail();
                fire = true;
                return;
            }
            List<ChangeRecord> found = new ArrayList<>();
            long next = use.apply(() -> readLog(from, found));
            synchronized (lock) {
                stepScheduled = false;
                if (closed) {
                    return;
                }
                cursor = next;
                ready.addAll(found);
                readyUpTo = next;
                fire = !found.isEmpty();
                if (!fire) {
                    scheduleStepIfNeeded(); // nothing of this world in that poll: read on (or join the tail)
                }
            }
        } catch (WakeupException e) {
            synchronized (lock) {
                stepScheduled = false; // closed while polling
            }
        } catch (WorldStoreException | org.apache.kafka.common.KafkaException e) {
            WorldStoreException f = LogPositions.feedFailure(e, clients, worldId, partition); // may ask Kafka: not under lock
            synchronized (lock) {
                stepScheduled = false;
                failure = f;
            }
            fire = true;
        } finally {
            consumerLock.unlock();
        }
        if (fire) {
            fire();
        }
    }

    /** Under consumerLock: polls once from {@code from}; returns the offset after the last record looked at. */
    private long readLog(long from, List<ChangeRecord> found) {
        TopicPartition tp = new TopicPartition(clients.topic(), partition);
        if (consumer == null) {
            consumer = clients.consumer("worldstore-feed-" + worldId, 500, false);
            consumer.assign(List.of(tp));
            consumer.seek(tp, from);
        }
        long next = from;
        long applied = progress.next(partition);
        List<ConsumerRecord<byte[], byte[]>> records = consumer.poll(FETCH).records(tp);
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.offset() < next) {
                continue;
            }
            if (r.offset() >= applied || hub.servable(worldId, partition, r.offset())) {
                // not applied yet, or the hub holds it from here: stop; the tail serves the rest
                consumer.seek(tp, r.offset());
                return r.offset();
            }
            next = r.offset() + 1;
            if (!Arrays.equals(r.key(), routingKey) || projection.notApplied(partition, r.offset())) {
                continue;
            }
            try {
                LogEvent event = EventCodec.decode(r.headers(), r.value(), r.timestamp());
                BitSet skipped = event instanceof BatchEvent ? projection.skippedChanges(partition, r.offset()) : new BitSet();
                found.addAll(FeedRecords.of(new LogPosition(partition, r.offset()), event,
                        projection.eventTime(partition, r.offset(), r.timestamp()), skipped));
            } catch (MalformedEventException ex) {
                // the projector dead-lettered it too; notApplied() normally catches it first
            }
        }
        return next;
    }

    /** Under consumerLock: back at a position the hub serves; closes the consumer and gives the slot back. */
    private void joinTail() {
        closeConsumer();
        boolean release;
        synchronized (lock) {
            catchingUp = false;
            stepScheduled = false;
            release = hasReader;
            hasReader = false;
        }
        if (release) {
            hub.readers().release();
        }
    }

    private void closeConsumer() {
        if (consumer != null) {
            try {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
            } catch (RuntimeException e) {
                // a wake-up no poll consumed, or a broker gone: the consumer is released either way
            }
            consumer = null;
        }
    }

    /**
     * Ends the feed and releases its consumer, if it has one. Idempotent; callable from any thread:
     * a catch-up poll in progress is woken, and a waiting {@link #poll} or registered callback is
     * woken and then finds the feed closed.
     */
    @Override
    public void close() {
        boolean release;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            release = hasReader;
            hasReader = false;
        }
        hub.unlisten(worldId, partition, wake);
        hub.readers().leaveQueue(this);
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        consumerLock.lock();
        try {
            closeConsumer();
        } finally {
            consumerLock.unlock();
        }
        if (release) {
            hub.readers().release();
        }
        fire();
        onClose.run();
    }
}
