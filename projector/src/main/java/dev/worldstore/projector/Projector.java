package dev.worldstore.projector;

import dev.worldstore.ProjectorState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live projector of a node: consumes every partition of the change log into the projection, one
 * atomic write per poll ({@link Applier}, deciding through {@link ProjectionRules}).
 *
 * <p>Two threads, a pipeline: the fetch thread owns the consumer, polls and decodes each record
 * ({@link RecordDecoder}), and hands each poll on through a small bounded queue; the apply thread
 * applies polls in that order and publishes progress, verdicts, lag and liveness, and takes due
 * snapshots between two writes. While one poll is applied the next is fetched and decoded, so
 * catch-up uses both cores.
 *
 * <p>Life cycle: {@code NEW → CATCHING_UP → LIVE → CLOSING → CLOSED}, or {@code FAILED} on an
 * error it cannot skip; every change goes through {@link #transition}, one compare-and-set against
 * the table of allowed moves. Nothing runs until {@link #start()}; {@link #close()} stops and joins
 * both threads and is idempotent.
 */
final class Projector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Projector.class);
    /** Polls decoded ahead of the one being applied: enough to overlap, few enough to bound memory. */
    private static final int HANDOFF_POLLS = 2;
    private static final Duration POLL = Duration.ofMillis(200);

    private static final Map<ProjectorState, Set<ProjectorState>> MOVES = Map.of(
            ProjectorState.NEW, EnumSet.of(ProjectorState.CATCHING_UP, ProjectorState.CLOSED),
            ProjectorState.CATCHING_UP, EnumSet.of(ProjectorState.LIVE, ProjectorState.CLOSING, ProjectorState.FAILED),
            ProjectorState.LIVE, EnumSet.of(ProjectorState.CLOSING, ProjectorState.FAILED),
            ProjectorState.CLOSING, EnumSet.of(ProjectorState.CLOSED),
            ProjectorState.FAILED, EnumSet.of(ProjectorState.CLOSED),
            ProjectorState.CLOSED, EnumSet.noneOf(ProjectorState.class));

    /** Events behind at start from which the catch-up runs without compactions ({@link BulkLoad#begin()}). */
    static final long BULK_MIN_EVENTS = 50_000;
    /** How long a start waits for Kafka to tell the log ends. */
    private static final Duration START_ENDS_WAIT = Duration.ofSeconds(30);
    /** How long each later attempt waits, from the fetch thread. */
    private static final Duration RETRY_ENDS_WAIT = Duration.ofSeconds(2);

    private final KafkaClients clients;
    private final RocksProjection store;
    private final Applier applier;
    private final Progress progress;
    private final Snapshots snapshots;
    private final int pollMaxRecords;
    private final List<TopicPartition> topicPartitions;
    private final AtomicReference<ProjectorState> state = new AtomicReference<>(ProjectorState.NEW);
    /** Per partition, the log end found at start; valid once {@link #startEndsKnown}. */
    private final long[] startEnd;
    /** Written by the starting or fetch thread after {@link #startEnd}, read by the apply thread. */
    private volatile boolean startEndsKnown;
    private final AtomicLongArray lag;
    /** The last high watermark the fetch thread saw per partition (-1 while unknown). */
    private final AtomicLongArray highWatermarks;
    /** Decoded polls from the fetch thread to the apply thread, in log order. */
    private final BlockingQueue<RecordDecoder.Polled> handoff = new ArrayBlockingQueue<>(HANDOFF_POLLS);
    /** Used by the fetch thread only. */
    private final SplitDecoder decoder;
    private KafkaConsumer<byte[], byte[]> consumer;
    private Thread fetchThread;
    private Thread applyThread;
    private volatile Throwable failure;

    Projector(KafkaClients clients, RocksProjection store, Applier applier, Progress progress, Snapshots snapshots, int pollMaxRecords,
            MeterRegistry metrics) {
        this.clients = clients;
        this.store = store;
        this.applier = applier;
        this.progress = progress;
        this.snapshots = snapshots;
        this.pollMaxRecords = pollMaxRecords;
        int partitions = progress.partitions();
        List<TopicPartition> tps = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            tps.add(new TopicPartition(clients.topic(), p));
        }
        this.topicPartitions = List.copyOf(tps);
        this.decoder = new SplitDecoder(partitions);
        this.startEnd = new long[partitions];
        this.lag = new AtomicLongArray(partitions);
        this.highWatermarks = new AtomicLongArray(partitions);
        for (int p = 0; p < partitions; p++) {
            highWatermarks.set(p, -1);
            final int partition = p;
            Gauge.builder("worldstore.projector.lag", lag, l -> l.get(partition))
                    .description("Events in the log not yet applied").tag("partition", Integer.toString(p)).register(metrics);
        }
    }

    /** The one way the state changes: a compare-and-set from {@code from}, allowed only along {@link #MOVES}. */
    private boolean transition(ProjectorState from, ProjectorState to) {
        if (!MOVES.get(from).contains(to)) {
            return false;
        }
        boolean moved = state.compareAndSet(from, to);
        if (moved && (to == ProjectorState.CLOSING || to == ProjectorState.CLOSED || to == ProjectorState.FAILED)) {
            progress.stop(); // waiters for positions stop waiting
        }
        return moved;
    }

    ProjectorState state() {
        return state.get();
    }

    Throwable failure() {
        return failure;
    }

    /** True once the projector will make no more progress. */
    boolean stopped() {
        ProjectorState s = state.get();
        return s == ProjectorState.CLOSING || s == ProjectorState.CLOSED || s == ProjectorState.FAILED;
    }

    long lag() {
        long total = 0;
        for (int p = 0; p < lag.length(); p++) {
            total += lag.get(p);
        }
        return total;
    }

    /** Checkpoints the projection now (thread-safe); returns the snapshot directory. */
    Path snapshotNow() {
        return snapshots.take(store);
    }

    /**
     * Seeks every partition to the offset stored with the state and starts both threads. The log
     * ends found now are where the projector counts as caught up (LIVE); when Kafka cannot tell them
     * (unreachable at start: the node is read-only), the fetch thread asks again until it can, and
     * the projector stays CATCHING_UP meanwhile.
     *
     * @param askEndsNow false when Kafka is known to be unreachable: do not wait for the ends here
     * @throws IllegalStateException if already started or closed
     */
    void start(boolean askEndsNow) {
        if (!transition(ProjectorState.NEW, ProjectorState.CATCHING_UP)) {
            throw new IllegalStateException("projector already started: " + state.get());
        }
        consumer = clients.consumer("worldstore-projector", pollMaxRecords, true);
        try {
            consumer.assign(topicPartitions);
            for (int p = 0; p < topicPartitions.size(); p++) {
                consumer.seek(topicPartitions.get(p), applier.resume(p));
            }
        } catch (RuntimeException e) {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            fail(e);
            throw clients.unavailable("assign the partitions of topic " + clients.topic(), e);
        }
        if (askEndsNow && !readStartEnds(START_ENDS_WAIT)) {
            LOG.warn("projector could not read the end offsets of topic {}; it keeps asking while it applies what arrives",
                    clients.topic());
        }
        if (startEndsKnown && lag() >= BULK_MIN_EVENTS) {
            // a long catch-up: compactions wait until it is done (or too many files piled up)
            store.bulkLoad().begin();
        }
        checkLive();
        fetchThread = new Thread(this::fetch, "worldstore-projector-fetch");
        fetchThread.setDaemon(true);
        applyThread = new Thread(this::apply, "worldstore-projector");
        applyThread.setDaemon(true);
        applyThread.start();
        fetchThread.start();
    }

    /** Reads the log ends once; true when Kafka told them within {@code wait}. Only the starting, then the fetch thread. */
    private boolean readStartEnds(Duration wait) {
        try {
            Map<TopicPartition, Long> ends = consumer.endOffsets(topicPartitions, wait);
            for (int p = 0; p < topicPartitions.size(); p++) {
                startEnd[p] = ends.getOrDefault(topicPartitions.get(p), 0L);
                lag.set(p, Math.max(0, startEnd[p] - progress.next(p)));
            }
            startEndsKnown = true;
            return true;
        } catch (KafkaException e) {
            return false;
        }
    }

    private void checkLive() {
        if (state.get() != ProjectorState.CATCHING_UP || !startEndsKnown) {
            return;
        }
        for (int p = 0; p < startEnd.length; p++) {
            if (progress.next(p) < startEnd[p]) {
                return;
            }
        }
        if (transition(ProjectorState.CATCHING_UP, ProjectorState.LIVE)) {
            store.bulkLoad().end();
            LOG.info("projector caught up with topic {} ({} partitions)", clients.topic(), startEnd.length);
        }
    }

    /** The fetch thread: polls, decodes and hands each poll to the apply thread; closes the consumer when done. */
    private void fetch() {
        try {
            while (!stopped()) {
                if (!startEndsKnown && readStartEnds(RETRY_ENDS_WAIT)) {
                    LOG.info("projector read the end offsets of topic {}: catching up", clients.topic());
                }
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(POLL);
                } catch (WakeupException e) {
                    break;
                } catch (KafkaException e) {
                    LOG.warn("projector poll of topic {} failed, retrying: {}", clients.topic(), e.toString());
                    continue;
                }
                recordHighWatermarks();
                if (!records.isEmpty()) {
                    RecordDecoder.Polled polled = decoder.decode(records);
                    while (!handoff.offer(polled, 100, TimeUnit.MILLISECONDS)) {
                        if (stopped()) {
                            return;
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            fail(t);
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    /** The apply thread: applies decoded polls in order, then publishes lag and liveness and takes due snapshots. */
    private void apply() {
        try {
            while (!stopped()) {
                RecordDecoder.Polled polled = handoff.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
                if (polled != null) {
                    applier.apply(polled, null);
                    store.bulkLoad().check();
                }
                updateLag();
                checkLive();
                snapshots.maybeTake(store);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            fail(t);
            consumer.wakeup();
        }
    }

    private void fail(Throwable t) {
        failure = t;
        try {
            store.bulkLoad().end(); // a node that stays open to serve reads gets its compactions back
        } catch (RuntimeException e) {
            t.addSuppressed(e);
        }
        ProjectorState s = state.get();
        if (transition(s, ProjectorState.FAILED)) {
            LOG.error("projector of topic {} stopped by an error it cannot skip", clients.topic(), t);
        }
    }

    /** Fetch thread only: the consumer is not thread-safe. */
    private void recordHighWatermarks() {
        for (int p = 0; p < topicPartitions.size(); p++) {
            TopicPartition tp = topicPartitions.get(p);
            OptionalLong l = consumer.currentLag(tp);
            if (l.isPresent()) {
                highWatermarks.set(p, consumer.position(tp) + l.getAsLong());
            }
        }
    }

    private void updateLag() {
        for (int p = 0; p < lag.length(); p++) {
            long hw = highWatermarks.get(p);
            if (hw >= 0) {
                lag.set(p, Math.max(0, hw - progress.next(p)));
            }
        }
    }

    /**
     * Stops both threads (waking a blocked poll) and waits for them: the apply thread finishes the
     * poll in hand, then the fetch thread closes the consumer. Idempotent.
     */
    @Override
    public void close() {
        ProjectorState s = state.get();
        while (s != ProjectorState.CLOSED && s != ProjectorState.CLOSING) {
            ProjectorState target = s == ProjectorState.FAILED || s == ProjectorState.NEW ? ProjectorState.CLOSED : ProjectorState.CLOSING;
            if (transition(s, target)) {
                break;
            }
            s = state.get();
        }
        if (applyThread != null) {
            if (fetchThread.isAlive()) {
                consumer.wakeup();
            }
            try {
                applyThread.join(30_000);
                fetchThread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        decoder.close();
        transition(ProjectorState.CLOSING, ProjectorState.CLOSED);
    }
}
