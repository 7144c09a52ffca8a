package dev.worldstore.projector;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.BatchConflictException;
import dev.worldstore.Condition;
import dev.worldstore.DeadLetter;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import dev.worldstore.Table;
import dev.worldstore.Upgraders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The deterministic rules of the projection: how each change event of the log changes the state,
 * decided from the projection's state and the events in log order only, so every node reaches the
 * same state and the same verdicts. No Kafka, no threads, no RocksDB: the rules read through a
 * {@link StateView}, write into a {@link WriteSink} and announce verdicts to a {@link Verdicts}.
 *
 * <ul>
 *   <li><b>Conditions.</b> {@code absent} holds when the key has no value; {@code version=N} when
 *       its version is N. A refused event changes nothing but a mark in {@link Cf#REJECTED} (so
 *       feeds skip it), and its verdict names the key's actual version.
 *   <li><b>Put, merge patch, delete.</b> A put stores the payload as sent; a merge patch (RFC 7396)
 *       applies to the current value ({@code {}} when absent), after upgrading it to the patch's
 *       data format when the patch is newer (the result is in the newer of the two formats); a
 *       delete removes the value. A key's version is the event's offset.
 *   <li><b>Changes that change nothing</b> are no events: deleting an absent key, or a merge patch
 *       whose result equals the value, writes no state and no history (the event is marked
 *       refused so feeds skip it); the writer learns {@code NotFound} or {@code Unchanged}. A merge
 *       whose result exceeds the value limit its writer recorded is refused ({@code TooLarge}).
 *   <li><b>Formats this node does not know.</b> A patch in a data format newer than this node's
 *       {@link Upgraders} onto an older value cannot be computed here; rather than store a value
 *       other nodes would compute differently, the rules stop with {@link UnknownDataFormatException}
 *       (the projector fails and says which node to upgrade). Puts in such a format are stored as sent.
 *   <li><b>History.</b> Every applied change is appended to the key's history (the value of a put,
 *       the patch of a merge, {@code null} for a delete) in the same write.
 *   <li><b>Event time.</b> The time state and history record for a change is its event time
 *       ({@link EventClock}): the record's timestamp, raised to the partition's previous event time
 *       where the writer's clock was behind, so times never go backwards within a partition.
 *   <li><b>Registration.</b> Create-only on the player id and needs a free username (NFC, case
 *       folded): all registrations share one partition, so the winner of a race is the same on
 *       every node.
 *   <li><b>lastSeen.</b> A registration or a player-state change raises the player's lastSeen to
 *       the event time through a "max" merge, so it is the same whatever order partitions apply in.
 *   <li><b>Dead letters.</b> A record that is not an event, or an event that cannot be applied
 *       (a registration that is not a put, a patch that fails), is kept in {@link Cf#DEAD_LETTERS}
 *       and skipped; its writer's verdict says so.
 * </ul>
 *
 * <p>Events of one atomic write are applied through one {@link Poll}, whose overlay lets later
 * events read what earlier ones wrote. Thread-safe ({@code Poll}s are not: one per thread).
 */
final class ProjectionRules {
    private static final byte[] NULL_JSON = "null".getBytes(StandardCharsets.UTF_8);

    /** Where verdicts go: only events a writer waits for are reported. */
    interface Verdicts {
        /** True if a writer waits for the verdict on {@code eventId}. */
        boolean awaited(String eventId);

        void decided(String eventId, Verdict verdict);
    }

    private final Upgraders upgraders;
    /** The latest event time applied (epoch ms); written by the one applying thread, read by retention. */
    private volatile long latestEventMs = Long.MIN_VALUE;

    ProjectionRules(Upgraders upgraders) {
        this.upgraders = upgraders;
    }

    /** The latest event time this node applied, epoch ms; {@link Long#MIN_VALUE} before the first event. */
    long latestEventMs() {
        return latestEventMs;
    }

    /** Starts the events of one atomic write; {@code clock} stamps them and lives on across polls. */
    Poll poll(StateView state, WriteSink out, Verdicts verdicts, EventClock clock) {
        return new Poll(state, out, verdicts, clock);
    }

    /** The events of one atomic write: apply them in log order. Not thread-safe. */
    final class Poll {
        private final StateView state;
        final WriteSink out;
        private final Verdicts verdicts;
        final PollOverlay overlay;
        private final List<String> deadLetters = new ArrayList<>();
        private final EventClock clock;
        /** The event time of the event being applied ({@link EventClock}): what state and history record as its time. */
        long time;

        private Poll(StateView state, WriteSink out, Verdicts verdicts, EventClock clock) {
            this.state = state;
            this.out = out;
            this.overlay = new PollOverlay(state, out);
            this.verdicts = verdicts;
            this.clock = clock;
        }

        /** The records dead-lettered so far in this poll, as {@code "position: reason"}. */
        List<String> deadLetters() {
            return deadLetters;
        }

        /** Applies one record. */
        void apply(Decoded d) {
            LogEvent event = d.event();
            if (event == null) {
                deadLetter(d, d.malformed()); // no event, no event time
                return;
            }
            time = clock.advance(d.position(), d.timestampMs(), out);
            if (time > latestEventMs) {
                latestEventMs = time;
            }
            if (replayed(d, event)) {
                return;
            }
            if (event instanceof BatchEvent b) {
                batch(d, b);
            } else if (((ChangeEvent) event).key() instanceof Key.Player player) {
                RegistrationRule.apply(this, d, (ChangeEvent) event, player);
            } else {
                change(d, (ChangeEvent) event);
            }
        }

        /**
         * A world transaction: every condition is checked and every merge computed first, against the
         * state before the batch; only if all hold is anything written, then every change, each with
         * its history entry at the batch's position. Keys are distinct (the writer checks it), so no
         * change of a batch sees another.
         */
        private void batch(Decoded d, BatchEvent b) {
            long version = d.position().offset();
            List<BatchEvent.Item> items = b.items();
            byte[][] keys = new byte[items.size()][];
            byte[][] values = new byte[items.size()][];
            int[] formats = new int[items.size()];
            long[] versions = new long[items.size()];
            BitSet skipped = new BitSet(items.size());
            List<BatchConflictException.Failure> failures = new ArrayList<>();
            Set<PollOverlay.CfKey> seen = new HashSet<>();
            for (int i = 0; i < items.size(); i++) {
                BatchEvent.Item item = items.get(i);
                Cf cf = Cf.of(item.key().table());
                keys[i] = KeyCodec.encode(item.key());
                if (!seen.add(new PollOverlay.CfKey(cf, keys[i]))) {
                    deadLetter(d, "changes[" + i + "]: the same key twice in one batch");
                    return;
                }
                byte[] current = item.condition().isConditional() || item.op() != Op.PUT ? overlay.read(cf, keys[i]) : null;
                Long actual = current == null ? null : StoredCodec.version(current);
                if (!holds(item.condition(), current, actual)) {
                    failures.add(new BatchConflictException.Failure(i, item.key(), item.condition(), actual));
                    continue;
                }
                formats[i] = item.formatVersion();
                versions[i] = version;
                if (item.op() == Op.DELETE && current == null) {
                    skipped.set(i); // deleting what is not there changes nothing
                }
                if (item.op() == Op.MERGE) {
                    int valueFormat = current == null ? formats[i] : StoredCodec.formatVersion(current);
                    if (valueFormat < formats[i] && formats[i] > upgraders.current(item.key().table())) {
                        throw new UnknownDataFormatException(d.position(), item.key().table(), formats[i],
                                upgraders.current(item.key().table()));
                    }
                    Merge m;
                    try {
                        m = merge(item.key(), item.formatVersion(), item.payload(), current, valueFormat);
                        values[i] = Json.bytes(m.result());
                    } catch (RuntimeException ex) {
                        deadLetter(d, "changes[" + i + "]: merge patch could not be applied: " + ex.getMessage());
                        return;
                    }
                    if (m.unchanged(formats[i], valueFormat)) {
                        skipped.set(i); // a merge to the same value changes nothing; the key keeps its version
                        versions[i] = actual;
                        continue;
                    }
                    formats[i] = Math.max(formats[i], valueFormat);
                    if (values[i].length > b.maxValueBytes()) {
                        refuse(d, b.eventId(), new Verdict.TooLarge("changes[" + i + "].patch", values[i].length, b.maxValueBytes()));
                        return;
                    }
                }
            }
            if (!failures.isEmpty()) {
                refuse(d, b.eventId(), new Verdict.BatchConflict(failures));
                return;
            }
            if (skipped.cardinality() == items.size()) {
                // nothing changed: no event anyone sees
                out.put(Cf.REJECTED, positionKey(d), RejectedMarks.REFUSED_MARK);
            } else if (!skipped.isEmpty()) {
                out.put(Cf.REJECTED, positionKey(d), RejectedMarks.skippedMark(skipped));
            }
            for (int i = skipped.nextClearBit(0); i < items.size(); i = skipped.nextClearBit(i + 1)) {
                BatchEvent.Item item = items.get(i);
                Cf cf = Cf.of(item.key().table());
                Table table = item.key().table();
                if (item.op() == Op.DELETE) {
                    overlay.delete(cf, keys[i]);
                    out.put(Cf.HISTORY, HistoryCodec.key(table, keys[i], version), HistoryCodec.value(Op.DELETE,
                            StoredCodec.encode(version, time, item.formatVersion(), b.origin(), b.actor(), NULL_JSON)));
                } else {
                    byte[] stored = item.op() == Op.PUT
                            ? StoredCodec.encode(version, time, formats[i], b.origin(), b.actor(), item.buffer(), item.offset(),
                                    item.length())
                            : StoredCodec.encode(version, time, formats[i], b.origin(), b.actor(), values[i]);
                    overlay.put(cf, keys[i], stored);
                    out.put(Cf.HISTORY, HistoryCodec.key(table, keys[i], version), item.op() == Op.PUT ? HistoryCodec.value(Op.PUT, stored)
                            : HistoryCodec.value(Op.MERGE, StoredCodec.encode(version, time, item.formatVersion(), b.origin(),
                                    b.actor(), item.buffer(), item.offset(), item.length())));
                }
                if (item.key() instanceof Key.PlayerState ps) {
                    touch(ps.playerId(), time);
                }
            }
            remember(d, b, versions);
            if (verdicts.awaited(b.eventId())) {
                verdicts.decided(b.eventId(), new Verdict.BatchApplied(version, Arrays.stream(versions).boxed().toList()));
            }
        }

        /**
         * An event whose idempotency key an earlier applied event of its world carried, within that
         * event's window: it changes nothing, and its writer learns the first one's outcome (or, when it
         * asks something else than the first did, that the key was reused).
         */
        private boolean replayed(Decoded d, LogEvent event) {
            Idempotency idem = event.idempotency();
            if (idem == null) {
                return false;
            }
            byte[] first = overlay.read(Cf.IDEMPOTENCY, IdempotencyRecords.key(event.worldId(), idem.key()));
            if (first == null || !IdempotencyRecords.covers(first, time)) {
                return false;
            }
            long offset = IdempotencyRecords.offset(first);
            refuse(d, event.eventId(), IdempotencyRecords.fingerprint(first) == IdempotencyRecords.fingerprint(event)
                    ? new Verdict.Replayed(offset, IdempotencyRecords.versions(first))
                    : new Verdict.KeyReused(idem.key(), offset));
            return true;
        }

        /** Records an applied event's idempotency key (if it has one) with its outcome. */
        private void remember(Decoded d, LogEvent event, long... versions) {
            Idempotency idem = event.idempotency();
            if (idem != null) {
                overlay.put(Cf.IDEMPOTENCY, IdempotencyRecords.key(event.worldId(), idem.key()),
                        IdempotencyRecords.value(time, d.position().offset(), idem.windowMs(),
                                IdempotencyRecords.fingerprint(event), versions));
            }
        }

        private boolean holds(Condition condition, byte[] current, Long actual) {
            return condition.holds(current == null ? null : actual);
        }

        private void change(Decoded d, ChangeEvent e) {
            long version = d.position().offset();
            Cf cf = Cf.of(e.key().table());
            byte[] key = KeyCodec.encode(e.key());
            byte[] current = e.condition().isConditional() || e.op() != Op.PUT ? overlay.read(cf, key) : null;
            Long actual = current == null ? null : StoredCodec.version(current);
            if (e.condition().isConditional() && !holds(e.condition(), current, actual)) {
                refuse(d, e.eventId(), new Verdict.Conflict(actual));
                return;
            }
            byte[] json;
            int format = e.formatVersion();
            switch (e.op()) {
                case DELETE -> {
                    if (current == null) {
                        // deleting what is not there changes nothing: no history entry, no feed event
                        refuse(d, e.eventId(), new Verdict.NotFound());
                        return;
                    }
                    overlay.delete(cf, key);
                    out.put(Cf.HISTORY, HistoryCodec.key(e.key().table(), key, version), HistoryCodec.value(e, version, time));
                    remember(d, e, version);
                    applied(e, version);
                    return;
                }
                case MERGE -> {
                    int valueFormat = current == null ? format : StoredCodec.formatVersion(current);
                    if (valueFormat < format && format > upgraders.current(e.key().table())) {
                        throw new UnknownDataFormatException(d.position(), e.key().table(), format, upgraders.current(e.key().table()));
                    }
                    Merge m;
                    try {
                        m = merge(e.key(), e.formatVersion(), e.payload(), current, valueFormat);
                        json = Json.bytes(m.result());
                    } catch (RuntimeException ex) {
                        deadLetter(d, "merge patch could not be applied: " + ex.getMessage());
                        return;
                    }
                    // an older patch onto a newer value leaves the value in its format
                    format = Math.max(format, valueFormat);
                    if (m.unchanged(e.formatVersion(), valueFormat)) {
                        // a patch that changes nothing is not an event anyone sees
                        remember(d, e, actual);
                        refuse(d, e.eventId(), new Verdict.Unchanged(actual));
                        return;
                    }
                    if (e.maxValueBytes() > 0 && json.length > e.maxValueBytes()) {
                        refuse(d, e.eventId(), new Verdict.TooLarge("value", json.length, e.maxValueBytes()));
                        return;
                    }
                }
                default -> json = e.payload();
            }
            byte[] stored = StoredCodec.encode(version, time, format, e.origin(), e.actor(), json);
            overlay.put(cf, key, stored);
            out.put(Cf.HISTORY, HistoryCodec.key(e.key().table(), key, version),
                    e.op() == Op.PUT ? HistoryCodec.value(Op.PUT, stored) : HistoryCodec.value(e, version, time));
            if (e.key() instanceof Key.PlayerState ps) {
                touch(ps.playerId(), time);
            }
            remember(d, e, version);
            applied(e, version);
        }

        /** A merge's target (the current value in the patch's format, {@code null} when absent) and its result. */
        private record Merge(JsonNode target, JsonNode result) {
            /** True when the value existed, keeps its data format and the patch leaves it equal (JSON equality). */
            boolean unchanged(int patchFormat, int valueFormat) {
                return target != null && patchFormat <= valueFormat && result.equals(target);
            }
        }

        private Merge merge(Key key, int patchFormat, byte[] patch, byte[] current, int valueFormat) {
            JsonNode target = null;
            if (current != null) {
                int at = StoredCodec.jsonOffset(current, 0);
                target = Json.parse(current, at, current.length - at);
                if (valueFormat < patchFormat) {
                    target = upgraders.upgrade(key.table(), valueFormat, patchFormat, target);
                }
            }
            return new Merge(target, MergePatch.apply(target, Json.parse(patch)));
        }

        void touch(String playerId, long timestampMs) {
            out.merge(Cf.LAST_SEEN, playerId.getBytes(StandardCharsets.UTF_8), ByteBuffer.allocate(8).putLong(timestampMs).array());
        }

        void applied(ChangeEvent e, long version) {
            if (verdicts.awaited(e.eventId())) {
                verdicts.decided(e.eventId(), new Verdict.Applied(version, time));
            }
        }

        /** The event's condition did not hold: nothing changes but the mark that feeds skip it. */
        void refuse(Decoded d, String eventId, Verdict verdict) {
            out.put(Cf.REJECTED, positionKey(d), RejectedMarks.REFUSED_MARK);
            if (verdicts.awaited(eventId)) {
                verdicts.decided(eventId, verdict);
            }
        }

        private static byte[] positionKey(Decoded d) {
            return DeadLetters.positionKey(d.position().partition(), d.position().offset());
        }

        void deadLetter(Decoded d, String reason) {
            LogPosition p = d.position();
            out.put(Cf.DEAD_LETTERS, DeadLetters.positionKey(p.partition(), p.offset()), DeadLetters.encode(new DeadLetter(p,
                    Instant.ofEpochMilli(d.timestampMs()), reason, d.raw().headersText(), d.raw().value())));
            deadLetters.add(p + ": " + reason);
            String eventId = d.event() != null ? d.event().eventId() : d.raw().eventId();
            if (eventId != null && verdicts.awaited(eventId)) {
                verdicts.decided(eventId, new Verdict.Rejected(reason));
            }
        }

    }

}
