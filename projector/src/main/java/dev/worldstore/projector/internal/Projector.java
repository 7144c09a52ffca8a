package dev.worldstore.projector.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import dev.worldstore.ProjectorState;
import dev.worldstore.Table;
import dev.worldstore.Upgraders;
import dev.worldstore.WorldStoreConfig;
import dev.worldstore.internal.ChangeEvent;
import dev.worldstore.internal.EventCodec;
import dev.worldstore.internal.Json;
import dev.worldstore.internal.MalformedEventException;
import dev.worldstore.internal.MergePatch;
import dev.worldstore.internal.Validator;
import dev.worldstore.projector.internal.RocksProjection.Cf;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.rocksdb.WriteBatch;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes every partition of the change log into the RocksDB projection, one atomic
 * {@link WriteBatch} per poll holding the state changes and the next offset of each partition.
 *
 * <p>Determinism: every decision (conditions, username uniqueness, merge results) depends only on
 * the projection's state and the events in log order, so all nodes reach the same state and the
 * same verdicts. Events that cannot be decoded are dead-lettered and skipped.
 *
 * <p>Two threads, a pipeline: the fetch thread owns the consumer, polls and decodes each record
 * (header parsing and the payload check are most of a record's CPU), and hands each poll on
 * through a small bounded queue; the apply thread applies polls in that order, writes each as one
 * atomic batch and publishes progress and verdicts. While one poll is applied the next is fetched
 * and decoded, so catch-up uses both cores. State moves forward only, by compare-and-set:
 * NEW → CATCHING_UP → LIVE → CLOSING → CLOSED, or to FAILED on an error it cannot skip.
 */
final class Projector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Projector.class);
    private static final byte[] TOMBSTONE = new byte[0];
    /** A plain factory for the well-formedness check: no duplicate-key tracking, no tree. */
    private static final com.fasterxml.jackson.core.JsonFactory WELL_FORMED = new com.fasterxml.jackson.core.JsonFactory();
    /** Polls decoded ahead of the one being applied: enough to overlap, few enough to bound memory. */
    private static final int HANDOFF_POLLS = 2;

    private final RocksProjection store;
    private final Upgraders upgraders;
    private final String topic;
    private final int partitions;
    /** Every partition of the topic, in partition order. */
    private final List<TopicPartition> topicPartitions;
    private final VerdictBoard verdicts;
    private final Progress progress;
    private final AtomicReference<ProjectorState> state = new AtomicReference<>(ProjectorState.NEW);
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final long[] appliedCount;
    private final long[] startEnd;
    private final AtomicLongArray lag;
    private final Counter applied;
    private final Counter deadLettered;
    /** The last high watermark the fetch thread saw per partition (-1 while unknown). */
    private final AtomicLongArray highWatermarks;
    /** Decoded polls from the fetch thread to the apply thread, in log order. */
    private final BlockingQueue<Polled> handoff = new ArrayBlockingQueue<>(HANDOFF_POLLS);
    /** Used by the one thread that polls. */
    private final EventCodec.Decoder decoder = new EventCodec.Decoder();
    private final Thread fetchThread;
    private final Thread thread;
    private final Snapshots snapshots;
    private volatile Throwable failure;

    Projector(RocksProjection store, String bootstrapServers, WorldStoreConfig config, int partitions, VerdictBoard verdicts,
            MeterRegistry metrics, Upgraders upgraders) {
        this.store = store;
        this.upgraders = upgraders;
        this.topic = config.get(WorldStoreConfig.KAFKA_TOPIC);
        this.partitions = partitions;
        List<TopicPartition> tps = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            tps.add(new TopicPartition(topic, p));
        }
        this.topicPartitions = List.copyOf(tps);
        this.verdicts = verdicts;
        this.progress = new Progress(partitions, this::stopped);
        this.appliedCount = new long[partitions];
        this.startEnd = new long[partitions];
        this.lag = new AtomicLongArray(partitions);
        this.highWatermarks = new AtomicLongArray(partitions);
        for (int p = 0; p < partitions; p++) {
            highWatermarks.set(p, -1);
        }
        this.applied = Counter.builder("worldstore.projector.applied").description("Change events applied to the projection")
                .register(metrics);
        this.deadLettered = Counter.builder("worldstore.projector.deadlettered")
                .description("Change-log records that could not be decoded, kept in dead_letters and skipped").register(metrics);
        for (int p = 0; p < partitions; p++) {
            final int partition = p;
            Gauge.builder("worldstore.projector.lag", lag, l -> l.get(partition))
                    .description("Events in the log not yet applied").tag("partition", Integer.toString(p)).register(metrics);
        }
        this.consumer = LogReaders.open(config, bootstrapServers, "worldstore-projector",
                config.getInt(WorldStoreConfig.PROJECTOR_POLL_MAX_RECORDS), true);
        this.snapshots = new Snapshots(config, java.time.Clock.systemUTC());
        this.fetchThread = new Thread(this::fetch, "worldstore-projector-fetch");
        this.fetchThread.setDaemon(true);
        this.thread = new Thread(this::run, "worldstore-projector");
        this.thread.setDaemon(true);
    }

    /** Checkpoints the projection now (thread-safe); returns the snapshot directory. */
    java.nio.file.Path snapshotNow() {
        return snapshots.take(store);
    }

    Progress progress() {
        return progress;
    }

    ProjectorState state() {
        return state.get();
    }

    Throwable failure() {
        return failure;
    }

    private boolean stopped() {
        ProjectorState s = state.get();
        return s == ProjectorState.CLOSING || s == ProjectorState.CLOSED || s == ProjectorState.FAILED;
    }

    long lag() {
        long total = 0;
        for (int p = 0; p < partitions; p++) {
            total += lag.get(p);
        }
        return total;
    }

    /** Seeks every partition to the offset stored with the state and starts the projector thread. */
    void start() {
        if (!state.compareAndSet(ProjectorState.NEW, ProjectorState.CATCHING_UP)) {
            throw new IllegalStateException("projector already started: " + state.get());
        }
        Map<Integer, long[]> stored = store.offsets();
        List<TopicPartition> tps = topicPartitions;
        consumer.assign(tps);
        for (int p = 0; p < partitions; p++) {
            long[] o = stored.getOrDefault(p, new long[] {0, 0});
            progress.set(p, o[0]);
            appliedCount[p] = o[1];
            consumer.seek(tps.get(p), o[0]);
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(tps, Duration.ofSeconds(30));
        for (int p = 0; p < partitions; p++) {
            startEnd[p] = ends.getOrDefault(tps.get(p), 0L);
            lag.set(p, Math.max(0, startEnd[p] - progress.next(p)));
        }
        checkLive();
        thread.start();
        fetchThread.start();
    }

    /**
     * Bounded, synchronous projection for rebuilds and replays: applies the given partitions from
     * the offsets stored in the projection up to (not including) each target offset, in the calling
     * thread, then closes the consumer.
     *
     * @param onApplied called after each atomic write with the events applied so far
     */
    void catchUp(Map<Integer, Long> targets, java.util.function.LongConsumer onApplied) {
        if (!state.compareAndSet(ProjectorState.NEW, ProjectorState.CATCHING_UP)) {
            throw new IllegalStateException("projector already started: " + state.get());
        }
        try {
            Map<Integer, long[]> stored = store.offsets();
            List<TopicPartition> tps = new ArrayList<>();
            targets.keySet().forEach(p -> tps.add(new TopicPartition(topic, p)));
            consumer.assign(tps);
            for (TopicPartition tp : tps) {
                long[] o = stored.getOrDefault(tp.partition(), new long[] {0, 0});
                progress.set(tp.partition(), o[0]);
                appliedCount[tp.partition()] = o[1];
                consumer.seek(tp, o[0]);
            }
            long total = 0;
            while (targets.entrySet().stream().anyMatch(t -> progress.next(t.getKey()) < t.getValue())) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                if (!records.isEmpty()) {
                    total += apply(decode(records), targets);
                    onApplied.accept(total);
                }
            }
        } finally {
            state.set(ProjectorState.CLOSED);
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void checkLive() {
        if (state.get() != ProjectorState.CATCHING_UP) {
            return;
        }
        for (int p = 0; p < partitions; p++) {
            if (progress.next(p) < startEnd[p]) {
                return;
            }
        }
        if (state.compareAndSet(ProjectorState.CATCHING_UP, ProjectorState.LIVE)) {
            LOG.info("projector caught up with topic {} ({} partitions)", topic, partitions);
        }
    }

    /** The fetch thread: polls, decodes and hands each poll to the apply thread; closes the consumer when done. */
    private void fetch() {
        try {
            while (!stopped()) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(Duration.ofMillis(200));
                } catch (WakeupException e) {
                    break;
                } catch (KafkaException e) {
                    LOG.warn("projector poll of topic {} failed, retrying: {}", topic, e.toString());
                    continue;
                }
                recordHighWatermarks();
                if (!records.isEmpty()) {
                    Polled polled = decode(records);
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
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** The apply thread: applies decoded polls in order, then publishes lag, liveness and snapshots. */
    private void run() {
        try {
            while (!stopped()) {
                Polled polled = handoff.poll(200, TimeUnit.MILLISECONDS);
                if (polled != null) {
                    apply(polled, null);
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
        LOG.error("projector of topic {} stopped by an error it cannot skip", topic, t);
        state.set(ProjectorState.FAILED);
        progress.signal();
    }

    /** Fetch thread only: the consumer is not thread-safe. */
    private void recordHighWatermarks() {
        for (int p = 0; p < partitions; p++) {
            TopicPartition tp = topicPartitions.get(p);
            OptionalLong l = consumer.currentLag(tp);
            if (l.isPresent()) {
                highWatermarks.set(p, consumer.position(tp) + l.getAsLong());
            }
        }
    }

    private void updateLag() {
        for (int p = 0; p < partitions; p++) {
            long hw = highWatermarks.get(p);
            if (hw >= 0) {
                lag.set(p, Math.max(0, hw - progress.next(p)));
            }
        }
    }

    // ---- applying ---------------------------------------------------------------------------

    /** One record of a poll, decoded: the event, or why it cannot be applied. */
    private record Decoded(ConsumerRecord<byte[], byte[]> record, ChangeEvent event, String malformed) {
    }

    /** One poll's records, decoded, per partition in log order. */
    private static final class Polled {
        final Map<Integer, List<Decoded>> partitions = new LinkedHashMap<>();
    }

    /** Decodes on the thread that polled (the fetch thread, or a bounded catch-up's caller). */
    private Polled decode(ConsumerRecords<byte[], byte[]> records) {
        Polled polled = new Polled();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
            List<Decoded> decoded = new ArrayList<>(rs.size());
            for (ConsumerRecord<byte[], byte[]> r : rs) {
                decoded.add(decodeOne(r));
            }
            polled.partitions.put(tp.partition(), decoded);
        }
        return polled;
    }

    private Decoded decodeOne(ConsumerRecord<byte[], byte[]> r) {
        try {
            ChangeEvent e = decoder.decode(r.headers(), r.value(), r.timestamp());
            if (e.payload() != null) {
                checkWellFormed(e);
            }
            return new Decoded(r, e, null);
        } catch (MalformedEventException ex) {
            return new Decoded(r, null, ex.getMessage());
        }
    }

    /**
     * Applies one poll's records as one atomic write, then publishes progress and verdicts. With
     * {@code limits}, applies in each partition only offsets below {@code limits.get(partition)}
     * (bounded replays stop exactly there).
     */
    private long apply(Polled polled, Map<Integer, Long> limits) {
        Batch b = new Batch();
        long count = 0;
        try (WriteBatch batch = new WriteBatch()) {
            b.batch = batch;
            for (Map.Entry<Integer, List<Decoded>> partition : polled.partitions.entrySet()) {
                int p = partition.getKey();
                long next = progress.next(p);
                long limit = limits == null ? Long.MAX_VALUE : limits.getOrDefault(p, 0L);
                for (Decoded d : partition.getValue()) {
                    if (d.record().offset() >= limit) {
                        break;
                    }
                    applyOne(d, b);
                    appliedCount[p]++;
                    next = d.record().offset() + 1;
                    count++;
                }
                batch.put(store.handle(Cf.OFFSETS), RocksProjection.partitionKey(p), RocksProjection.offsetValue(next, appliedCount[p]));
                b.nextOffsets.put(p, next);
            }
            store.write(batch);
        } catch (RocksDBException e) {
            throw new dev.worldstore.StorageException("building a write batch for " + store.dir() + " failed: " + e.getMessage(), e);
        }
        b.nextOffsets.forEach(progress::set);
        progress.signal();
        b.decided.forEach((id, v) -> verdicts.decide(id, v));
        applied.increment(count);
        return count;
    }

    /** One poll's pending writes, with an overlay so later events in it read earlier ones. */
    private final class Batch {
        WriteBatch batch;
        final Map<OverlayKey, byte[]> overlay = new HashMap<>(8192);
        final Map<String, Verdict> decided = new HashMap<>();
        final Map<Integer, Long> nextOffsets = new HashMap<>();
        /** The record being applied. */
        LogPosition position;

        byte[] read(Cf cf, byte[] key) {
            byte[] v = overlay.get(new OverlayKey(cf, key));
            if (v != null) {
                return v == TOMBSTONE ? null : v;
            }
            return store.get(cf, key);
        }

        void put(Cf cf, byte[] key, byte[] value) throws RocksDBException {
            batch.put(store.handle(cf), key, value);
            if (cf != Cf.HISTORY && cf != Cf.DEAD_LETTERS) { // never read back within a batch
                overlay.put(new OverlayKey(cf, key), value);
            }
        }

        void delete(Cf cf, byte[] key) throws RocksDBException {
            batch.delete(store.handle(cf), key);
            overlay.put(new OverlayKey(cf, key), TOMBSTONE);
        }

        void decide(ChangeEvent e, Verdict v) throws RocksDBException {
            if (!(v instanceof Verdict.Applied)) {
                batch.put(store.handle(Cf.REJECTED), RocksProjection.positionKey(position.partition(), position.offset()),
                        new byte[] {1});
            }
            if (verdicts.size() > 0 && verdicts.awaited(e.eventId())) {
                decided.put(e.eventId(), v);
            }
        }
    }

    private record OverlayKey(Cf cf, byte[] key) {
        @Override
        public boolean equals(Object o) {
            return o instanceof OverlayKey k && k.cf == cf && Arrays.equals(k.key, key);
        }

        @Override
        public int hashCode() {
            return cf.hashCode() * 31 + Arrays.hashCode(key);
        }
    }

    private void applyOne(Decoded d, Batch b) throws RocksDBException {
        ConsumerRecord<byte[], byte[]> r = d.record();
        b.position = new LogPosition(r.partition(), r.offset());
        ChangeEvent e = d.event();
        if (e == null) {
            deadLetter(r, b, d.malformed());
            return;
        }
        long version = r.offset();
        if (e.key() instanceof Key.Player player) {
            applyRegistration(e, player, version, r, b);
            return;
        }
        Cf cf = Cf.of(e.key().table());
        byte[] key = KeyCodec.encode(e.key());
        byte[] current = e.condition().isConditional() || e.op() == Op.MERGE ? b.read(cf, key) : null;
        if (e.condition().isConditional()) {
            Long actual = current == null ? null : StoredCodec.version(current);
            boolean holds = e.condition() instanceof Condition.Absent
                    ? current == null
                    : actual != null && actual == ((Condition.ExpectedVersion) e.condition()).version();
            if (!holds) {
                b.decide(e, new Verdict.Conflict(actual));
                return;
            }
        }
        byte[] json;
        switch (e.op()) {
            case DELETE -> {
                b.delete(cf, key);
                b.put(Cf.HISTORY, HistoryStore.key(e.key().table(), key, version), HistoryStore.value(e, version));
                b.decide(e, new Verdict.Applied(version, e.timestampMs()));
                return;
            }
            case MERGE -> {
                try {
                    JsonNode target = current == null ? null : Json.parse(StoredCodec.json(current));
                    int targetFormat = current == null ? e.formatVersion() : StoredCodec.formatVersion(current);
                    if (target != null && targetFormat < e.formatVersion()) {
                        // a patch written in a newer format applies to the value in that format
                        target = upgraders.upgrade(e.key().table(), targetFormat, target);
                    }
                    json = Json.bytes(MergePatch.apply(target, Json.parse(e.payload())));
                } catch (IOException | RuntimeException ex) {
                    deadLetter(r, b, "merge patch could not be applied: " + ex.getMessage());
                    return;
                }
            }
            default -> json = e.payload();
        }
        byte[] stored = StoredCodec.encode(version, e.timestampMs(), e.formatVersion(), e.origin(), e.actor(), json);
        b.put(cf, key, stored);
        b.put(Cf.HISTORY, HistoryStore.key(e.key().table(), key, version),
                e.op() == Op.PUT ? HistoryStore.value(Op.PUT, stored) : HistoryStore.value(e, version));
        if (e.key() instanceof Key.PlayerState ps) {
            touch(b, ps.playerId(), e.timestampMs());
        }
        b.decide(e, new Verdict.Applied(version, e.timestampMs()));
    }

    private void touch(Batch b, String playerId, long timestampMs) throws RocksDBException {
        b.batch.merge(store.handle(Cf.LAST_SEEN), playerId.getBytes(StandardCharsets.UTF_8),
                ByteBuffer.allocate(8).putLong(timestampMs).array());
    }

    /**
     * A registration is create-only on the id and needs a free username. All registrations share
     * one partition, so their order, and so the winner of a race, is the same on every node.
     */
    private void applyRegistration(ChangeEvent e, Key.Player player, long version, ConsumerRecord<byte[], byte[]> r, Batch b)
            throws RocksDBException {
        if (e.op() != Op.PUT) {
            deadLetter(r, b, "players support registration (put) only, got " + e.op().wireName());
            return;
        }
        String username;
        String normalized;
        try {
            JsonNode body = Json.parse(e.payload());
            username = body.path("username").asText(null);
            normalized = Validator.normalizeUsername(username);
        } catch (IOException | RuntimeException ex) {
            deadLetter(r, b, "bad registration: " + ex.getMessage());
            return;
        }
        byte[] key = KeyCodec.encode(player);
        byte[] current = b.read(Cf.PLAYERS, key);
        if (current != null) {
            b.decide(e, new Verdict.Conflict(StoredCodec.version(current)));
            return;
        }
        byte[] nameKey = normalized.getBytes(StandardCharsets.UTF_8);
        byte[] holder = b.read(Cf.USERNAMES, nameKey);
        if (holder != null && !Arrays.equals(holder, key)) {
            b.decide(e, new Verdict.UsernameTaken());
            return;
        }
        ObjectNode record = Json.object()
                .put("id", player.playerId())
                .put("username", username)
                .put("createdAt", Instant.ofEpochMilli(e.timestampMs()).toString());
        b.put(Cf.PLAYERS, key, StoredCodec.encode(version, e.timestampMs(), e.formatVersion(), e.origin(), e.actor(),
                Json.bytes(record)));
        b.put(Cf.USERNAMES, nameKey, key);
        b.put(Cf.HISTORY, HistoryStore.key(Table.PLAYERS, key, version), HistoryStore.value(e, version));
        touch(b, player.playerId(), e.timestampMs());
        b.decide(e, new Verdict.Applied(version, e.timestampMs()));
    }

    /** Object tables need a JSON object, app data any JSON value: a streaming check, no tree built. */
    private static void checkWellFormed(ChangeEvent e) throws MalformedEventException {
        byte[] p = e.payload();
        int first = 0;
        int last = p.length - 1;
        while (first <= last && isSpace(p[first])) {
            first++;
        }
        while (last >= first && isSpace(p[last])) {
            last--;
        }
        boolean objectTable = e.key().table() != Table.APP_STORAGE;
        if (first <= last && (p[first] == '{' || (p[first] == '[' && !objectTable))) {
            // A container: check its delimiters only. Parsing every payload again would cost the
            // projector a third of its time; the writer validated it, RocksDB checksums it, and a load
            // reports a value that still fails to parse as CORRUPT_DATA.
            if (p[last] != (p[first] == '{' ? '}' : ']') || last == first) {
                throw new MalformedEventException("payload is not valid JSON: unbalanced " + (char) p[first]);
            }
            return;
        }
        try (com.fasterxml.jackson.core.JsonParser parser = WELL_FORMED.createParser(p)) {
            com.fasterxml.jackson.core.JsonToken token = parser.nextToken();
            if (token == null || (objectTable && token != com.fasterxml.jackson.core.JsonToken.START_OBJECT && e.op() == Op.PUT)) {
                throw new MalformedEventException("payload of " + e.key().table().wireName() + " must be a JSON object");
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw new MalformedEventException("payload has trailing content after the JSON value");
            }
        } catch (IOException ex) {
            throw new MalformedEventException("payload is not valid JSON: " + ex.getMessage(), ex);
        }
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> r, Batch b, String reason) throws RocksDBException {
        StringBuilder headers = new StringBuilder();
        for (Header h : r.headers()) {
            headers.append(h.key()).append('=')
                    .append(h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8)).append('\n');
        }
        ObjectNode letter = Json.object()
                .put("partition", r.partition())
                .put("offset", r.offset())
                .put("recordedAt", r.timestamp())
                .put("reason", reason)
                .put("headers", headers.toString());
        if (r.value() != null) {
            letter.put("value", Base64.getEncoder().encodeToString(r.value()));
        }
        b.put(Cf.DEAD_LETTERS, RocksProjection.positionKey(r.partition(), r.offset()), Json.bytes(letter));
        deadLettered.increment();
        LOG.warn("dead-lettered record {} of topic {}: {}", new LogPosition(r.partition(), r.offset()), topic, reason);
        String eventId = null;
        Header id = r.headers().lastHeader("ws.id");
        if (id != null && id.value() != null) {
            eventId = new String(id.value(), StandardCharsets.UTF_8);
        }
        if (eventId != null && verdicts.size() > 0 && verdicts.awaited(eventId)) {
            b.decided.put(eventId, new Verdict.Rejected(reason));
        }
    }

    /**
     * Stops both threads (waking a blocked poll) and waits for them; the fetch thread closes the
     * consumer. Idempotent.
     */
    @Override
    public void close() {
        ProjectorState s = state.get();
        while (s != ProjectorState.CLOSED && s != ProjectorState.CLOSING) {
            ProjectorState target = s == ProjectorState.FAILED || s == ProjectorState.NEW ? ProjectorState.CLOSED : ProjectorState.CLOSING;
            if (state.compareAndSet(s, target)) {
                break;
            }
            s = state.get();
        }
        if (fetchThread.isAlive() || thread.isAlive()) {
            consumer.wakeup();
            try {
                // the apply thread first: it finishes the poll in hand; then the fetch thread, which closes the consumer
                thread.join(30_000);
                fetchThread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (s == ProjectorState.NEW) {
            consumer.close(Duration.ofSeconds(5));
        }
        state.set(ProjectorState.CLOSED);
        progress.signal();
    }
}
