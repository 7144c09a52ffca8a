package dev.worldstore.projector;

import dev.worldstore.Condition;
import dev.worldstore.IdempotencyKeys;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.Table;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.utils.Utils;

/**
 * How a {@link ChangeEvent} is laid out in a Kafka record, so that standard tools ({@code kcat},
 * {@code kafka-console-consumer}) can read it:
 *
 * <ul>
 *   <li>record key: the world id ({@code #players} for player registrations), which picks the partition;
 *   <li>record value: the JSON payload, absent for a delete;
 *   <li>headers (UTF-8 text): {@code ws.id} event id, {@code ws.table}, {@code ws.world},
 *       {@code ws.key} (player, entity or app key id), {@code ws.app}, {@code ws.player} (app data
 *       only), {@code ws.op} ({@code put}, {@code merge-patch}, {@code delete}), {@code ws.cond}
 *       ({@code any}, {@code absent}, {@code version=N}), {@code ws.fmt} data-format version,
 *       {@code ws.origin} writing node, {@code ws.actor} (when known), {@code ws.ts} epoch ms.
 * </ul>
 *
 * Stateless and thread-safe.
 */
final class EventCodec {
    /** Data-format version written by this release. Readers upgrade older versions. */
    static final int FORMAT_VERSION = 1;

    /** Routing key of the players table: '#' is not allowed in ids, so no world can collide. */
    static final String PLAYERS_ROUTING_KEY = "#players";

    static final String H_ID = "ws.id";
    static final String H_TABLE = "ws.table";
    static final String H_WORLD = "ws.world";
    static final String H_KEY = "ws.key";
    static final String H_APP = "ws.app";
    static final String H_PLAYER = "ws.player";
    static final String H_OP = "ws.op";
    static final String H_COND = "ws.cond";
    static final String H_FMT = "ws.fmt";
    static final String H_ORIGIN = "ws.origin";
    static final String H_ACTOR = "ws.actor";
    static final String H_TS = "ws.ts";
    /** A merge patch's value limit ({@code value.max.bytes} of its writer). */
    static final String H_LIMIT = "ws.limit";
    /** An idempotency key ({@link Idempotency}); with it, {@link #H_IDEM_WINDOW} holds its window in ms. */
    static final String H_IDEM = "ws.idem";
    static final String H_IDEM_WINDOW = "ws.idemw";
    /** The {@code ws.op} of a batch record (a world transaction): its value is a {@link BatchCodec} document. */
    static final String BATCH_OP = "batch";

    private EventCodec() {
    }

    /** The record key that routes {@code key}'s events: all events of one world share a partition. */
    static String routingKey(Key key) {
        return key.worldId() == null ? PLAYERS_ROUTING_KEY : key.worldId();
    }

    /** The partition of a routing key: Kafka's default (murmur2) so other producers agree. */
    static int partitionFor(String routingKey, int partitions) {
        return Utils.toPositive(Utils.murmur2(routingKey.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    static List<Header> headers(ChangeEvent e) {
        List<Header> h = new ArrayList<>(12);
        add(h, H_ID, e.eventId());
        add(h, H_TABLE, e.key().table().wireName());
        add(h, H_WORLD, e.key().worldId());
        switch (e.key().table()) {
            case PLAYERS -> add(h, H_KEY, ((Key.Player) e.key()).playerId());
            case PLAYER_STATES -> add(h, H_KEY, ((Key.PlayerState) e.key()).playerId());
            case ENTITY_STATES -> add(h, H_KEY, ((Key.Entity) e.key()).entityId());
            case WORLD_STATE -> {
                // the world id is the key
            }
            case APP_STORAGE -> {
                Key.AppData a = (Key.AppData) e.key();
                add(h, H_APP, a.appId());
                add(h, H_PLAYER, a.playerId());
                add(h, H_KEY, a.key());
            }
        }
        add(h, H_OP, e.op().wireName());
        if (e.condition().isConditional()) {
            add(h, H_COND, conditionText(e.condition()));
        }
        if (e.formatVersion() != 1) {
            add(h, H_FMT, Integer.toString(e.formatVersion()));
        }
        add(h, H_ORIGIN, e.origin());
        add(h, H_ACTOR, e.actor());
        if (e.maxValueBytes() > 0) {
            add(h, H_LIMIT, Integer.toString(e.maxValueBytes()));
        }
        addIdempotency(h, e.idempotency());
        return h;
    }

    private static void addIdempotency(List<Header> h, Idempotency idem) {
        if (idem != null) {
            add(h, H_IDEM, idem.key());
            add(h, H_IDEM_WINDOW, Long.toString(idem.windowMs()));
        }
    }

    /** The headers of a batch record: id, world, {@code ws.op=batch}, origin and actor; the changes are in its value. */
    static List<Header> headers(BatchEvent e) {
        List<Header> h = new ArrayList<>(5);
        add(h, H_ID, e.eventId());
        add(h, H_WORLD, e.worldId());
        add(h, H_OP, BATCH_OP);
        add(h, H_ORIGIN, e.origin());
        add(h, H_ACTOR, e.actor());
        addIdempotency(h, e.idempotency());
        return h;
    }

    private static void add(List<Header> h, String name, String value) {
        if (value != null) {
            h.add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** A condition as header text: {@code absent}, {@code present}, {@code version=N}, {@code versions=N,M}, {@code any}. */
    static String conditionText(Condition c) {
        return c.toString();
    }

    static Condition parseCondition(String text) throws MalformedEventException {
        if (text == null || text.equals("any")) {
            return Condition.any();
        }
        if (text.equals("absent")) {
            return Condition.absent();
        }
        if (text.equals("present")) {
            return Condition.present();
        }
        try {
            if (text.startsWith("version=")) {
                return Condition.version(Long.parseLong(text.substring("version=".length())));
            }
            if (text.startsWith("versions=")) {
                java.util.List<Long> versions = new java.util.ArrayList<>();
                for (String v : text.substring("versions=".length()).split(",", -1)) {
                    versions.add(Long.parseLong(v));
                }
                return Condition.versionIn(versions);
            }
        } catch (IllegalArgumentException e) {
            throw new MalformedEventException("bad ws.cond header: " + text, e);
        }
        throw new MalformedEventException("bad ws.cond header: " + text);
    }

    /**
     * Longest {@code ws.origin} or {@code ws.actor} in UTF-8 bytes: the stored layout
     * ({@link StoredCodec}) gives each a 16-bit length.
     */
    static final int MAX_NAME_BYTES = Short.MAX_VALUE;
    /** Longest {@code ws.id} in bytes (the writer's are 36-character UUIDs). */
    static final int MAX_EVENT_ID_BYTES = 128;

    /**
     * Reads an event from a record's headers and value. Checks the headers: each worldstore header
     * at most once, the ones the event's table and op need present and well-formed, none that a
     * writer would not have written for it (a key header on world state, an app on an entity, a
     * world on a registration, change headers on a batch, a value limit on anything but a merge
     * patch). The value's JSON is checked by {@link RecordDecoder} (a batch's by {@link BatchCodec}).
     * Headers of other tools (names not starting with {@code ws.}, or {@code ws.} names this release
     * does not know) are ignored.
     *
     * @throws MalformedEventException naming what is missing or wrong
     */
    static LogEvent decode(Headers headers, byte[] value, long recordTimestamp) throws MalformedEventException {
        return new Decoder().decode(headers, value, recordTimestamp);
    }

    /**
     * A decoder for one thread reading many records: header values that repeat from one record to
     * the next (table, world, op, condition, origin, ...) are compared as bytes and their text is
     * reused instead of decoded again. Not thread-safe.
     */
    static final class Decoder {
        /** Checks member names of batch documents (scratch, reused document after document). */
        private final JsonWalk walk = new JsonWalk();
        private final byte[][] lastBytes = new byte[Slot.values().length][];
        private final String[] lastText = new String[Slot.values().length];

        /** As {@link EventCodec#decode}. */
        LogEvent decode(Headers headers, byte[] value, long recordTimestamp) throws MalformedEventException {
            return EventCodec.decode(new HeaderFields(headers, this), value, recordTimestamp, walk);
        }

        String text(Slot slot, byte[] bytes) {
            int i = slot.ordinal();
            byte[] last = lastBytes[i];
            if (last != null && Arrays.equals(last, bytes)) {
                return lastText[i];
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            lastBytes[i] = bytes;
            lastText[i] = text;
            return text;
        }
    }

    /** Headers whose values usually repeat between consecutive records. */
    enum Slot { TABLE, WORLD, APP, OP, COND, FMT, ORIGIN, ACTOR }

    private static LogEvent decode(HeaderFields f, byte[] value, long recordTimestamp, JsonWalk walk)
            throws MalformedEventException {
        if (f.repeated != null) {
            throw new MalformedEventException("header " + f.repeated + " appears more than once");
        }
        String id = f.required(H_ID, f.id);
        if (id.isEmpty() || f.idBytes > MAX_EVENT_ID_BYTES) {
            throw new MalformedEventException("bad ws.id header: 1 to " + MAX_EVENT_ID_BYTES + " bytes, was " + f.idBytes);
        }
        checkName(H_ORIGIN, f.origin);
        checkName(H_ACTOR, f.actor);
        if (BATCH_OP.equals(f.op)) {
            notFor("a batch (its changes are in its value)", f, H_TABLE, H_KEY, H_APP, H_PLAYER, H_COND, H_FMT, H_LIMIT);
            String world = f.required(H_WORLD, f.world);
            try {
                Key.checkWorldId(world);
            } catch (RuntimeException e) {
                throw new MalformedEventException("bad ws.world header: " + e.getMessage(), e);
            }
            BatchCodec.Document doc = BatchCodec.decode(world, value, walk);
            return new BatchEvent(id, world, value, doc.items(), doc.maxValueBytes(), doc.meta(),
                    f.origin == null ? "unknown" : f.origin, f.actor, number(H_TS, f.ts, recordTimestamp), idempotency(f));
        }
        Table table;
        Op op;
        try {
            table = Table.fromWireName(f.required(H_TABLE, f.table));
            op = Op.fromWireName(f.required(H_OP, f.op));
        } catch (IllegalArgumentException e) {
            throw new MalformedEventException(e.getMessage(), e);
        }
        switch (table) {
            case PLAYERS -> notFor("players", f, H_WORLD, H_APP, H_PLAYER);
            case PLAYER_STATES, ENTITY_STATES -> notFor(table.wireName(), f, H_APP, H_PLAYER);
            case WORLD_STATE -> notFor(table.wireName() + " (the world id is its key)", f, H_KEY, H_APP, H_PLAYER);
            case APP_STORAGE -> {
                // every key header belongs to app data
            }
        }
        if (op != Op.MERGE) {
            notFor("a " + op.wireName() + " (the value limit is a merge patch's)", f, H_LIMIT);
        }
        Key key = switch (table) {
            case PLAYERS -> new Key.Player(f.required(H_KEY, f.key));
            case PLAYER_STATES -> new Key.PlayerState(f.required(H_WORLD, f.world), f.required(H_KEY, f.key));
            case ENTITY_STATES -> new Key.Entity(f.required(H_WORLD, f.world), f.required(H_KEY, f.key));
            case WORLD_STATE -> new Key.WorldState(f.required(H_WORLD, f.world));
            case APP_STORAGE -> new Key.AppData(f.required(H_WORLD, f.world), f.required(H_APP, f.app), f.player,
                    f.required(H_KEY, f.key));
        };
        try {
            key.check();
        } catch (RuntimeException e) {
            throw new MalformedEventException("bad key: " + e.getMessage(), e);
        }
        long fmt = number(H_FMT, f.fmt, 1);
        if (fmt < 1 || fmt > Integer.MAX_VALUE) {
            throw new MalformedEventException("bad ws.fmt header: " + fmt + " (data-format versions start at 1)");
        }
        long ts = number(H_TS, f.ts, recordTimestamp);
        if ((op == Op.DELETE) != (value == null)) {
            throw new MalformedEventException(op == Op.DELETE ? "a delete must have no value" : op.wireName() + " has no value");
        }
        long limit = number(H_LIMIT, f.limit, 0);
        if (f.limit != null && (limit < 1 || limit > Integer.MAX_VALUE)) {
            throw new MalformedEventException("bad ws.limit header: " + limit + " (a value limit in bytes, at least 1)");
        }
        return new ChangeEvent(id, key, op, value, parseCondition(f.cond), (int) fmt, f.origin == null ? "unknown" : f.origin,
                f.actor, ts, (int) limit, idempotency(f));
    }

    private static Idempotency idempotency(HeaderFields f) throws MalformedEventException {
        if (f.idem == null) {
            if (f.idemWindow != null) {
                throw new MalformedEventException("a ws.idemw header without ws.idem");
            }
            return null;
        }
        try {
            IdempotencyKeys.check(f.idem, H_IDEM);
        } catch (RuntimeException e) {
            throw new MalformedEventException("bad ws.idem header: " + e.getMessage(), e);
        }
        long window = number(H_IDEM_WINDOW, f.required(H_IDEM_WINDOW, f.idemWindow), 0);
        if (window < 1) {
            throw new MalformedEventException("bad ws.idemw header: " + window + " (a window in ms, at least 1)");
        }
        return new Idempotency(f.idem, window);
    }

    /** A record of {@code what} must not carry any of {@code names}: a writer never puts them there. */
    private static void notFor(String what, HeaderFields f, String... names) throws MalformedEventException {
        for (String name : names) {
            if (f.present(name)) {
                throw new MalformedEventException("header " + name + " does not belong to " + what);
            }
        }
    }

    private static void checkName(String header, String value) throws MalformedEventException {
        // a UTF-8 byte per char at least, at most 3 per UTF-16 char: count only when it could be too long
        if (value != null && value.length() * 3 > MAX_NAME_BYTES && value.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new MalformedEventException("bad " + header + " header: at most " + MAX_NAME_BYTES + " bytes of UTF-8");
        }
    }

    private static long number(String name, String v, long fallback) throws MalformedEventException {
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new MalformedEventException("bad " + name + " header: " + v, e);
        }
    }
}
