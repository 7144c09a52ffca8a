package dev.worldstore.projector;

import dev.worldstore.ChangeRecord;
import dev.worldstore.LogPosition;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The change feeds' shared reader: the node's projector hands every poll it has applied to
 * {@link #append} (on its apply thread, right after the atomic write), and this keeps the recent
 * deliverable events of each partition in memory, indexed by world, within {@code feed.buffer.bytes}
 * split evenly over the partitions: the events' records encoded off the Java heap ({@link FeedBytes}:
 * a buffer that keeps events for seconds would otherwise make every young collection copy them),
 * decoded when read, once for the feeds of a world that read it soon after. Feeds at the log's tail ({@link SharedFeed}) read from here: no
 * Kafka consumer and no thread of their own, and they are woken when their world gets an event.
 *
 * <p>Per partition the buffer knows, from its <em>floor</em> (where the projector started in this
 * process, or the first offset after a stretch the log no longer held when the projector reached it)
 * on, every applied event that feeds deliver: refused events, dead letters and changes that
 * changed nothing are left out exactly as the projection marked them (the same marks
 * {@link RocksProjection#notApplied} and {@link RocksProjection#skippedChanges} read back later).
 * When the buffer is full the oldest event goes; per world it remembers the newest offset it dropped,
 * so a feed of a quiet world is not pushed off the shared path by other worlds' traffic: a feed
 * can be served from memory at offset {@code c} when {@code c >= floor} and none of its world's
 * events at or after {@code c} was dropped. That holds for up to {@value #TRACKED_WORLDS} worlds
 * per partition: beyond them, a world's log that holds no event and no waiting feed is forgotten
 * (else a partition would keep one for every world it ever saw), and the newest offset a forgotten
 * log had dropped counts as dropped for every world without a log, so a feed resuming such a world
 * from before it reads the log (feeds waiting at the tail keep their world's log, and each read
 * moves an idle feed's position to the end). Anything else reads the log on its own
 * ({@link LogReaders}: at most {@code feed.catchup.max.count} at once, on a small shared pool)
 * until it is back in range.
 *
 * <p>Thread-safe: one lock per partition, held briefly; callbacks run after it is released.
 */
final class FeedHub implements AutoCloseable {
    /** Bytes an entry costs beyond its encoded records (its index entry on the heap), for the buffer's accounting. */
    static final int ENTRY_OVERHEAD = 64;
    /** World logs a partition keeps before it forgets those holding no event and no waiting feed (~300 bytes each). */
    static final int TRACKED_WORLDS = 4096;

    private final Tail[] tails;
    private final LogReaders readers;

    /**
     * @param maxBytes memory for buffered events over all partitions
     * @param maxReaders feeds that may read the log on their own at once
     */
    FeedHub(int partitions, long maxBytes, int maxReaders) {
        this(partitions, maxBytes, maxReaders, TRACKED_WORLDS);
    }

    /** As above, forgetting idle world logs beyond {@code trackedWorlds} per partition (tests use a few). */
    FeedHub(int partitions, long maxBytes, int maxReaders, int trackedWorlds) {
        this.tails = new Tail[partitions];
        long each = Math.max(1, maxBytes / partitions);
        for (int p = 0; p < partitions; p++) {
            tails[p] = new Tail(each, trackedWorlds);
        }
        this.readers = new LogReaders(maxReaders);
    }

    // ---- the projector's side --------------------------------------------------------------------

    /** The projector starts {@code partition} at {@code next}: the buffer covers it from there. */
    void resume(int partition, long next) {
        Tail t = tails[partition];
        synchronized (t) {
            t.floor = next;
            t.end = next;
        }
    }

    /**
     * One applied poll of {@code partition}: its records in log order (all of them, applied or not),
     * the marks the rules wrote for them (by offset: {@link RocksProjection#REFUSED_MARK}, a skipped
     * mark, or {@link #DEAD} for a dead letter), and the partition's next offset after the write.
     * Called by the apply thread only, before the progress is published.
     */
    void append(int partition, List<Decoded> records, long[] eventTimes, Map<Long, byte[]> marks, long next) {
        Tail t = tails[partition];
        List<Runnable> wake = null;
        synchronized (t) {
            t.confirmed = true;
            for (int i = 0; i < records.size(); i++) {
                Decoded d = records.get(i);
                long offset = d.position().offset();
                if (offset > t.end) {
                    // the projector jumped over offsets it never saw (the log's start moved past where it
                    // was): the buffer knows the partition only from here, and every waiting feed looks again
                    // (a log left with neither entries nor waiters goes, as after an eviction)
                    t.floor = offset;
                    wake = wake == null ? new ArrayList<>() : wake;
                    for (WorldLog w : List.copyOf(t.worlds.values())) {
                        wake.addAll(w.waiters);
                        w.waiters.clear();
                        t.forgetIfIdle(w);
                    }
                }
                if (offset >= next) {
                    break;
                }
                t.end = Math.max(t.end, offset + 1);
                String worldId = d.event() == null ? null : d.event().worldId();
                byte[] mark = marks.get(offset);
                if (worldId == null || d.malformed() != null || mark == DEAD || RejectedMarks.refused(mark)) {
                    continue;
                }
                WorldLog w = t.log(worldId);
                Entry e = new Entry(offset, w);
                e.records = t.store.put(e, d.event(), eventTimes[i], RejectedMarks.skipped(mark));
                e.bytes = e.encodedLength() + ENTRY_OVERHEAD;
                w.entries.addLast(e);
                t.all.addLast(e);
                t.bytes += e.bytes;
                if (!w.waiters.isEmpty()) {
                    wake = wake == null ? new ArrayList<>() : wake;
                    wake.addAll(w.waiters);
                    w.waiters.clear();
                }
            }
            t.end = Math.max(t.end, next);
            while (t.bytes > t.maxBytes && !t.all.isEmpty()) {
                Entry old = t.all.pollFirst();
                WorldLog w = old.world;
                w.entries.pollFirst();
                w.evictedUpTo = old.offset;
                t.forgetIfIdle(w);
                t.bytes -= old.bytes;
                t.store.release(old);
            }
        }
        if (wake != null) {
            wake.forEach(Runnable::run);
        }
    }

    /** Marks a dead letter in {@link #append}'s marks (compared by identity). */
    static final byte[] DEAD = new byte[0];

    // ---- the feeds' side ------------------------------------------------------------------------------

    /** What a feed read: the records, and the offset it reads from next. */
    record Read(List<ChangeRecord> records, long next) {
    }

    /**
     * The records of {@code worldId} from offset {@code from} on, at most about {@code max} (whole
     * events), or {@code null} when the buffer cannot serve {@code from} (the feed must read the log).
     */
    Read read(String worldId, int partition, long from, int max) {
        Tail t = tails[partition];
        List<Entry> found;
        long next;
        List<List<ChangeRecord>> decoded;
        List<byte[]> bytes;
        synchronized (t) {
            WorldLog w = t.worlds.get(worldId);
            if (!servable(t, w, from)) {
                return null;
            }
            if (w == null || w.entries.isEmpty() || w.entries.peekLast().offset < from) {
                return new Read(List.of(), Math.max(from, t.end));
            }
            found = new ArrayList<>();
            for (Iterator<Entry> it = w.entries.descendingIterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (e.offset < from) {
                    break;
                }
                found.add(e);
            }
            Collections.reverse(found);
            int records = 0;
            int take = 0;
            while (take < found.size() && (take == 0 || records < max)) {
                records += found.get(take).records;
                take++;
            }
            if (take < found.size()) {
                next = found.get(take).offset;
                found = found.subList(0, take);
            } else {
                next = Math.max(from, t.end);
            }
            // decoded lately by another feed: shared; else copied under the lock (so not dropped), decoded after
            decoded = new ArrayList<>(found.size());
            bytes = new ArrayList<>(found.size());
            for (Entry e : found) {
                List<ChangeRecord> cached = t.store.decoded(e.offset);
                decoded.add(cached);
                bytes.add(cached == null ? t.store.copy(e) : null);
            }
        }
        List<ChangeRecord> out = new ArrayList<>();
        Map<Long, List<ChangeRecord>> fresh = new HashMap<>();
        for (int i = 0; i < found.size(); i++) {
            List<ChangeRecord> records = decoded.get(i);
            if (records == null) {
                long offset = found.get(i).offset;
                records = FeedBytes.records(bytes.get(i), new LogPosition(partition, offset));
                fresh.put(offset, records);
            }
            out.addAll(records);
        }
        if (!fresh.isEmpty()) {
            synchronized (t) {
                t.store.rememberDecoded(fresh);
            }
        }
        return new Read(out, next);
    }

    /**
     * True if the buffer holds every deliverable event of {@code worldId} from {@code from} on: it can
     * serve it, and the projector has applied a poll since it started, so the floor is not a
     * checkpoint the log may since have dropped (the first poll after a start shows any jump).
     */
    boolean holds(String worldId, int partition, long from) {
        Tail t = tails[partition];
        synchronized (t) {
            return t.confirmed && servable(t, t.worlds.get(worldId), from);
        }
    }

    /** True if {@link #read} can serve {@code worldId} from {@code from}. */
    boolean servable(String worldId, int partition, long from) {
        Tail t = tails[partition];
        synchronized (t) {
            return servable(t, t.worlds.get(worldId), from);
        }
    }

    private static boolean servable(Tail t, WorldLog w, long from) {
        return t.floor >= 0 && from >= t.floor && from > (w == null ? t.forgottenUpTo : w.evictedUpTo);
    }

    /**
     * Calls {@code wake} once when {@code worldId} gets an event (or at once if it has one at or
     * after {@code from}, or {@code from} is no longer servable). Replaces nothing: a feed registers
     * one callback at a time and removes it with {@link #unlisten}.
     */
    void listen(String worldId, int partition, long from, Runnable wake) {
        Tail t = tails[partition];
        boolean now;
        synchronized (t) {
            WorldLog w = t.log(worldId);
            now = !servable(t, w, from) || (!w.entries.isEmpty() && w.entries.peekLast().offset >= from);
            if (!now) {
                w.waiters.add(wake);
            }
            t.forgetIfIdle(w);
        }
        if (now) {
            wake.run();
        }
    }

    void unlisten(String worldId, int partition, Runnable wake) {
        Tail t = tails[partition];
        synchronized (t) {
            WorldLog w = t.worlds.get(worldId);
            if (w != null) {
                w.waiters.remove(wake);
                t.forgetIfIdle(w);
            }
        }
    }

    /** Per partition, where the buffer starts knowing events ({@code -1} before the projector starts); for tests and metrics. */
    long floor(int partition) {
        Tail t = tails[partition];
        synchronized (t) {
            return t.floor;
        }
    }

    /** Worlds whose log {@code partition} keeps now; for tests. */
    int worlds(int partition) {
        Tail t = tails[partition];
        synchronized (t) {
            return t.worlds.size();
        }
    }

    /** Bytes buffered now over all partitions (the accounting, not a heap measurement). */
    long bufferedBytes() {
        long total = 0;
        for (Tail t : tails) {
            synchronized (t) {
                total += t.bytes;
            }
        }
        return total;
    }

    /** Where feeds behind the buffer read the log on their own. */
    LogReaders readers() {
        return readers;
    }

    /** Stops the catch-up pool, waiting for a step in progress (feeds are closed first). */
    @Override
    public void close() {
        readers.close();
    }

    // ---- state ----------------------------------------------------------------------------------------

    private static final class Tail {
        final long maxBytes;
        final int trackedWorlds;
        final FeedBytes store;
        final ArrayDeque<Entry> all = new ArrayDeque<>();
        final Map<String, WorldLog> worlds = new HashMap<>();
        long floor = -1;
        long end;
        long bytes;
        /** The projector has appended a poll since {@link #resume}: a jump past the floor would have shown. */
        boolean confirmed;
        /**
         * The newest offset a forgotten world's log had dropped: beyond {@link #trackedWorlds} logs, those
         * holding no event and no waiter are removed (else a partition would keep one per world it ever
         * saw), so a world without a log, or with one made since, may have lost events up to here, and
         * its feeds are served only after it.
         */
        long forgottenUpTo = -1;

        Tail(long maxBytes, int trackedWorlds) {
            this.maxBytes = maxBytes;
            this.trackedWorlds = trackedWorlds;
            this.store = new FeedBytes(maxBytes);
        }

        WorldLog log(String worldId) {
            return worlds.computeIfAbsent(worldId, k -> new WorldLog(k, forgottenUpTo));
        }

        void forgetIfIdle(WorldLog w) {
            if (worlds.size() > trackedWorlds && w.entries.isEmpty() && w.waiters.isEmpty() && worlds.remove(w.worldId, w)) {
                forgottenUpTo = Math.max(forgottenUpTo, w.evictedUpTo);
            }
        }
    }

    private static final class WorldLog {
        final String worldId;
        final ArrayDeque<Entry> entries = new ArrayDeque<>();
        final Set<Runnable> waiters = new LinkedHashSet<>();
        long evictedUpTo;

        WorldLog(String worldId, long evictedUpTo) {
            this.worldId = worldId;
            this.evictedUpTo = evictedUpTo;
        }
    }

    /** One deliverable event: its offset and world here, its records encoded off the heap ({@link FeedBytes}). */
    private static final class Entry extends FeedBytes.Slot {
        final long offset;
        /** Its world's log (kept in the partition's map while it holds entries), not the decoded event's world id string. */
        final WorldLog world;
        /** Records it delivers; bytes it counts against the buffer. */
        int records;
        int bytes;

        Entry(long offset, WorldLog world) {
            this.offset = offset;
            this.world = world;
        }
    }
}
