package dev.worldstore.projector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
 *   <li><b>Formats this node does not know.</b> A patch in a data format newer than this node's
 *       {@link Upgraders} onto an older value cannot be computed here; rather than store a value
 *       other nodes would compute differently, the rules stop with {@link UnknownDataFormatException}
 *       (the projector fails and says which node to upgrade). Puts in such a format are stored as sent.
 *   <li><b>History.</b> Every applied change is appended to the key's history (the value of a put,
 *       the patch of a merge, {@code null} for a delete) in the same write.
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
    private static final byte[] TOMBSTONE = new byte[0];

    /** Where verdicts go: only events a writer waits for are reported. */
    interface Verdicts {
        /** True if a writer waits for the verdict on {@code eventId}. */
        boolean awaited(String eventId);

        void decided(String eventId, Verdict verdict);
    }

    private final Upgraders upgraders;

    ProjectionRules(Upgraders upgraders) {
        this.upgraders = upgraders;
    }

    /** Starts the events of one atomic write. */
    Poll poll(StateView state, WriteSink out, Verdicts verdicts) {
        return new Poll(state, out, verdicts);
    }

    /** The events of one atomic write: apply them in log order. Not thread-safe. */
    final class Poll {
        private final StateView state;
        private final WriteSink out;
        private final Verdicts verdicts;
        private final Map<OverlayKey, byte[]> overlay = new HashMap<>(1024);
        private final List<String> deadLetters = new ArrayList<>();

        private Poll(StateView state, WriteSink out, Verdicts verdicts) {
            this.state = state;
            this.out = out;
            this.verdicts = verdicts;
        }

        /** The records dead-lettered so far in this poll, as {@code "position: reason"}. */
        List<String> deadLetters() {
            return deadLetters;
        }

        /** Applies one record. */
        void apply(Decoded d) {
            ChangeEvent e = d.event();
            if (e == null) {
                deadLetter(d, d.malformed());
            } else if (e.key() instanceof Key.Player player) {
                register(d, e, player);
            } else {
                change(d, e);
            }
        }

        private void change(Decoded d, ChangeEvent e) {
            long version = d.position().offset();
            Cf cf = Cf.of(e.key().table());
            byte[] key = KeyCodec.encode(e.key());
            byte[] current = e.condition().isConditional() || e.op() == Op.MERGE ? read(cf, key) : null;
            if (e.condition().isConditional()) {
                Long actual = current == null ? null : StoredCodec.version(current);
                boolean holds = e.condition() instanceof Condition.Absent
                        ? current == null
                        : actual != null && actual == ((Condition.ExpectedVersion) e.condition()).version();
                if (!holds) {
                    refuse(d, e, new Verdict.Conflict(actual));
                    return;
                }
            }
            byte[] json;
            int format = e.formatVersion();
            switch (e.op()) {
                case DELETE -> {
                    delete(cf, key);
                    out.put(Cf.HISTORY, HistoryCodec.key(e.key().table(), key, version), HistoryCodec.value(e, version));
                    applied(e, version);
                    return;
                }
                case MERGE -> {
                    int valueFormat = current == null ? format : StoredCodec.formatVersion(current);
                    if (valueFormat < format && format > upgraders.current(e.key().table())) {
                        throw new UnknownDataFormatException(d.position(), e.key().table(), format, upgraders.current(e.key().table()));
                    }
                    try {
                        json = Json.bytes(merged(e, current, valueFormat));
                    } catch (RuntimeException ex) {
                        deadLetter(d, "merge patch could not be applied: " + ex.getMessage());
                        return;
                    }
                    // an older patch onto a newer value leaves the value in its format
                    format = Math.max(format, valueFormat);
                }
                default -> json = e.payload();
            }
            byte[] stored = StoredCodec.encode(version, e.timestampMs(), format, e.origin(), e.actor(), json);
            put(cf, key, stored);
            out.put(Cf.HISTORY, HistoryCodec.key(e.key().table(), key, version),
                    e.op() == Op.PUT ? HistoryCodec.value(Op.PUT, stored) : HistoryCodec.value(e, version));
            if (e.key() instanceof Key.PlayerState ps) {
                touch(ps.playerId(), e.timestampMs());
            }
            applied(e, version);
        }

        /**
         * The patch applied to the current value. A value in an older data format than the patch is
         * first upgraded to the patch's format, no further, so nodes that know newer formats compute
         * the same bytes.
         */
        private JsonNode merged(ChangeEvent e, byte[] current, int valueFormat) {
            JsonNode target = null;
            if (current != null) {
                int at = StoredCodec.jsonOffset(current, 0);
                target = Json.parse(current, at, current.length - at);
                if (valueFormat < e.formatVersion()) {
                    target = upgraders.upgrade(e.key().table(), valueFormat, e.formatVersion(), target);
                }
            }
            return MergePatch.apply(target, Json.parse(e.payload()));
        }

        private void register(Decoded d, ChangeEvent e, Key.Player player) {
            if (e.op() != Op.PUT) {
                deadLetter(d, "players support registration (put) only, got " + e.op().wireName());
                return;
            }
            String username;
            String normalized;
            try {
                JsonNode body = Json.parse(e.payload());
                username = body.path("username").asText(null);
                normalized = Validator.normalizeUsername(username);
            } catch (RuntimeException ex) {
                deadLetter(d, "bad registration: " + ex.getMessage());
                return;
            }
            long version = d.position().offset();
            byte[] key = KeyCodec.encode(player);
            byte[] current = read(Cf.PLAYERS, key);
            if (current != null) {
                refuse(d, e, new Verdict.Conflict(StoredCodec.version(current)));
                return;
            }
            byte[] nameKey = normalized.getBytes(StandardCharsets.UTF_8);
            byte[] holder = read(Cf.USERNAMES, nameKey);
            if (holder != null && !Arrays.equals(holder, key)) {
                refuse(d, e, new Verdict.UsernameTaken());
                return;
            }
            ObjectNode record = Json.object()
                    .put("id", player.playerId())
                    .put("username", username)
                    .put("createdAt", Instant.ofEpochMilli(e.timestampMs()).toString());
            put(Cf.PLAYERS, key, StoredCodec.encode(version, e.timestampMs(), e.formatVersion(), e.origin(), e.actor(),
                    Json.bytes(record)));
            put(Cf.USERNAMES, nameKey, key);
            out.put(Cf.HISTORY, HistoryCodec.key(Table.PLAYERS, key, version), HistoryCodec.value(e, version));
            touch(player.playerId(), e.timestampMs());
            applied(e, version);
        }

        private void touch(String playerId, long timestampMs) {
            out.merge(Cf.LAST_SEEN, playerId.getBytes(StandardCharsets.UTF_8), ByteBuffer.allocate(8).putLong(timestampMs).array());
        }

        private void applied(ChangeEvent e, long version) {
            if (verdicts.awaited(e.eventId())) {
                verdicts.decided(e.eventId(), new Verdict.Applied(version, e.timestampMs()));
            }
        }

        /** The event's condition did not hold: nothing changes but the mark that feeds skip it. */
        private void refuse(Decoded d, ChangeEvent e, Verdict verdict) {
            out.put(Cf.REJECTED, DeadLetters.positionKey(d.position().partition(), d.position().offset()), new byte[] {1});
            if (verdicts.awaited(e.eventId())) {
                verdicts.decided(e.eventId(), verdict);
            }
        }

        private void deadLetter(Decoded d, String reason) {
            LogPosition p = d.position();
            out.put(Cf.DEAD_LETTERS, DeadLetters.positionKey(p.partition(), p.offset()), DeadLetters.encode(new DeadLetter(p,
                    Instant.ofEpochMilli(d.timestampMs()), reason, d.raw().headersText(), d.raw().value())));
            deadLetters.add(p + ": " + reason);
            String eventId = d.event() != null ? d.event().eventId() : d.raw().eventId();
            if (eventId != null && verdicts.awaited(eventId)) {
                verdicts.decided(eventId, new Verdict.Rejected(reason));
            }
        }

        private byte[] read(Cf cf, byte[] key) {
            byte[] v = overlay.get(new OverlayKey(cf, key));
            if (v != null) {
                return v == TOMBSTONE ? null : v;
            }
            return state.get(cf, key);
        }

        private void put(Cf cf, byte[] key, byte[] value) {
            out.put(cf, key, value);
            overlay.put(new OverlayKey(cf, key), value);
        }

        private void delete(Cf cf, byte[] key) {
            out.delete(cf, key);
            overlay.put(new OverlayKey(cf, key), TOMBSTONE);
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

        @Override
        public String toString() {
            return cf + ":" + Arrays.toString(key);
        }
    }
}
