package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.Condition;
import dev.worldstore.Key;
import dev.worldstore.Op;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventCodecTest {

    private static final long TS = 1_700_000_000_123L;
    private static final byte[] PAYLOAD = "{\"position\":[1,2,3]}".getBytes(StandardCharsets.UTF_8);

    static List<Key> allKeyKinds() {
        return List.of(
                new Key.Player("p1"),
                new Key.PlayerState("w1", "p1"),
                new Key.Entity("w1", "e1"),
                new Key.WorldState("w1"),
                new Key.AppData("w1", "app1", null, "scores/top"),
                new Key.AppData("w1", "app1", "p1", "inventory/slot:3"));
    }

    static List<Condition> allConditions() {
        return List.of(Condition.any(), Condition.absent(), Condition.version(0), Condition.version(42),
                Condition.version(Long.MAX_VALUE));
    }

    static Stream<Arguments> everyCombination() {
        List<Arguments> out = new ArrayList<>();
        for (Key key : allKeyKinds()) {
            for (Op op : Op.values()) {
                for (Condition c : allConditions()) {
                    for (String actor : new String[] {null, "api-key:admin"}) {
                        out.add(Arguments.of(key, op, c, actor));
                    }
                }
            }
        }
        return out.stream();
    }

    private static ChangeEvent event(Key key, Op op, Condition condition, String actor) {
        return new ChangeEvent("evt-1", key, op, op == Op.DELETE ? null : PAYLOAD, condition,
                EventCodec.FORMAT_VERSION, "node-a", actor, TS);
    }

    private static ChangeEvent sample() {
        return event(new Key.Entity("w1", "e1"), Op.PUT, Condition.any(), "alice");
    }

    private static RecordHeaders headersOf(ChangeEvent e) {
        return new RecordHeaders(EventCodec.headers(e));
    }

    /** The headers of {@code e} with {@code name} removed. */
    private static RecordHeaders without(ChangeEvent e, String name) {
        RecordHeaders h = headersOf(e);
        h.remove(name);
        return h;
    }

    /** The headers of {@code e} with {@code name} set to {@code value}. */
    private static RecordHeaders withHeader(ChangeEvent e, String name, String value) {
        RecordHeaders h = without(e, name);
        h.add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8)));
        return h;
    }

    private static MalformedEventException malformed(Headers headers, byte[] value, String expectedInMessage) {
        MalformedEventException e = assertThrows(MalformedEventException.class,
                () -> EventCodec.decode(headers, value, TS));
        assertTrue(e.getMessage() != null && e.getMessage().contains(expectedInMessage),
                () -> "message '" + e.getMessage() + "' should mention '" + expectedInMessage + "'");
        return e;
    }

    // ---- round trip ----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1} {2} actor={3}")
    @MethodSource("everyCombination")
    void roundTripsEveryKeyOpConditionAndActor(Key key, Op op, Condition condition, String actor) throws Exception {
        // given
        ChangeEvent sent = event(key, op, condition, actor);
        // when
        ChangeEvent got = (ChangeEvent) EventCodec.decode(headersOf(sent), sent.payload(), TS);
        // then
        assertEquals(sent.eventId(), got.eventId());
        assertEquals(key, got.key());
        assertEquals(op, got.op());
        assertArrayEquals(sent.payload(), got.payload());
        assertEquals(condition, got.condition());
        assertEquals(EventCodec.FORMAT_VERSION, got.formatVersion());
        assertEquals("node-a", got.origin());
        assertEquals(actor, got.actor());
        assertEquals(TS, got.timestampMs());
    }

    @Test
    void oneDecoderReadingEveryCombinationInTurnGetsEachEventRight() throws Exception {
        // given one decoder reusing header text between consecutive records
        EventCodec.Decoder decoder = new EventCodec.Decoder();
        List<Arguments> all = everyCombination().toList();
        for (int round = 0; round < 2; round++) {
            for (Arguments a : all) {
                Object[] args = a.get();
                ChangeEvent sent = event((Key) args[0], (Op) args[1], (Condition) args[2], (String) args[3]);
                // when
                ChangeEvent got = (ChangeEvent) decoder.decode(headersOf(sent), sent.payload(), 5L);
                // then every field is this record's, never the previous one's
                assertEquals(sent.eventId(), got.eventId());
                assertEquals(sent.key(), got.key());
                assertEquals(sent.op(), got.op());
                assertEquals(sent.condition(), got.condition());
                assertEquals(sent.actor(), got.actor());
                assertEquals(sent.origin(), got.origin());
            }
        }
    }

    @Test
    void worldWideAppDataDecodesWithNullPlayerId() throws Exception {
        ChangeEvent sent = event(new Key.AppData("w1", "app1", null, "k"), Op.PUT, Condition.any(), null);

        ChangeEvent got = (ChangeEvent) EventCodec.decode(headersOf(sent), PAYLOAD, TS);

        Key.AppData k = (Key.AppData) got.key();
        assertNull(k.playerId());
        assertTrue(k.worldWide());
        assertNull(headersOf(sent).lastHeader("ws.player"));
    }

    @Test
    void headersAreReadableUtf8Text() {
        ChangeEvent e = event(new Key.AppData("w1", "app1", "p1", "a/b"), Op.MERGE, Condition.version(7), "bob");

        RecordHeaders h = headersOf(e);

        assertEquals("evt-1", text(h, "ws.id"));
        assertEquals("app_storage", text(h, "ws.table"));
        assertEquals("w1", text(h, "ws.world"));
        assertEquals("app1", text(h, "ws.app"));
        assertEquals("p1", text(h, "ws.player"));
        assertEquals("a/b", text(h, "ws.key"));
        assertEquals("merge-patch", text(h, "ws.op"));
        assertEquals("version=7", text(h, "ws.cond"));
        assertEquals("node-a", text(h, "ws.origin"));
        assertEquals("bob", text(h, "ws.actor"));
    }

    @Test
    void defaultsAreLeftOutOfTheHeaders() {
        // given an unconditional event in format 1
        RecordHeaders h = headersOf(event(new Key.Entity("w1", "e1"), Op.PUT, Condition.any(), null));
        // then no condition, format or timestamp header: the event time is the record timestamp
        assertNull(h.lastHeader("ws.cond"));
        assertNull(h.lastHeader("ws.fmt"));
        assertNull(h.lastHeader("ws.ts"));
    }

    @Test
    void aFormatAboveOneIsWritten() throws Exception {
        ChangeEvent e = new ChangeEvent("evt-2", new Key.Entity("w1", "e1"), Op.PUT, PAYLOAD, Condition.any(), 3, "node-a", null, TS);

        assertEquals("3", text(headersOf(e), "ws.fmt"));
        assertEquals(3, ((ChangeEvent) EventCodec.decode(headersOf(e), PAYLOAD, TS)).formatVersion());
    }

    @Test
    void recordsOfEarlierReleasesWithEveryHeaderDecodeTheSame() throws Exception {
        // given a record as earlier releases wrote it: ws.cond=any, ws.fmt=1 and ws.ts
        ChangeEvent sent = event(new Key.PlayerState("w1", "p1"), Op.PUT, Condition.any(), null);
        RecordHeaders h = headersOf(sent);
        h.add("ws.cond", "any".getBytes(StandardCharsets.UTF_8));
        h.add("ws.fmt", "1".getBytes(StandardCharsets.UTF_8));
        h.add("ws.ts", "123".getBytes(StandardCharsets.UTF_8));
        // when its record timestamp differs
        ChangeEvent got = (ChangeEvent) EventCodec.decode(h, PAYLOAD, 999L);
        // then the header's time wins and the rest is as written today
        assertEquals(123L, got.timestampMs());
        assertEquals(Condition.any(), got.condition());
        assertEquals(1, got.formatVersion());
        assertEquals(sent.key(), got.key());
    }

    @Test
    void nullActorWritesNoActorHeader() {
        assertNull(headersOf(event(new Key.WorldState("w1"), Op.PUT, Condition.any(), null)).lastHeader("ws.actor"));
    }

    @Test
    void playerEventsCarryNoWorldHeader() {
        assertNull(headersOf(event(new Key.Player("p1"), Op.PUT, Condition.absent(), null)).lastHeader("ws.world"));
    }

    @Test
    void everyHeaderNameAppearsOnce() {
        List<String> names = new ArrayList<>();
        for (Header h : EventCodec.headers(event(new Key.AppData("w1", "a", "p", "k"), Op.PUT, Condition.any(), "x"))) {
            names.add(h.key());
        }
        assertEquals(names.size(), names.stream().distinct().count(), names.toString());
    }

    @Test
    void theEventTimeIsTheRecordTimestamp() throws Exception {
        ChangeEvent got = (ChangeEvent) EventCodec.decode(headersOf(sample()), PAYLOAD, 777L);

        assertEquals(777L, got.timestampMs());
    }

    @Test
    void missingOptionalHeadersGetDefaults() throws Exception {
        RecordHeaders h = headersOf(sample());
        h.remove("ws.fmt");
        h.remove("ws.origin");
        h.remove("ws.cond");
        h.remove("ws.actor");

        ChangeEvent got = (ChangeEvent) EventCodec.decode(h, PAYLOAD, TS);

        assertEquals(1, got.formatVersion());
        assertEquals("unknown", got.origin());
        assertEquals(Condition.any(), got.condition());
        assertNull(got.actor());
    }

    private static String text(Headers h, String name) {
        Header header = h.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    // ---- routing -------------------------------------------------------------------------------

    @Test
    void routingKeyIsTheWorldId() {
        assertEquals("w1", EventCodec.routingKey(new Key.PlayerState("w1", "p1")));
        assertEquals("w1", EventCodec.routingKey(new Key.Entity("w1", "e1")));
        assertEquals("w1", EventCodec.routingKey(new Key.WorldState("w1")));
        assertEquals("w1", EventCodec.routingKey(new Key.AppData("w1", "a", null, "k")));
        assertEquals("w1", EventCodec.routingKey(new Key.AppData("w1", "a", "p1", "k")));
    }

    @Test
    void routingKeyOfPlayersIsHashPlayers() {
        assertEquals("#players", EventCodec.routingKey(new Key.Player("p1")));
        assertEquals(EventCodec.PLAYERS_ROUTING_KEY, EventCodec.routingKey(new Key.Player("w1")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"w1", "#players", "world-with-a-long-name.and:more@chars", "a", "0", "\u00e9t\u00e9"})
    void partitionForIsStableInRangeAndMatchesKafkasDefaultPartitioner(String routingKey) {
        byte[] bytes = routingKey.getBytes(StandardCharsets.UTF_8);
        for (int n : new int[] {1, 2, 3, 6, 7, 64, 10_000}) {
            int p = EventCodec.partitionFor(routingKey, n);

            assertTrue(p >= 0 && p < n, "partition " + p + " of " + n);
            assertEquals(p, EventCodec.partitionFor(routingKey, n));
            assertEquals(Utils.toPositive(Utils.murmur2(bytes)) % n, p);
            assertEquals(BuiltInPartitioner.partitionForKey(bytes, n), p);
        }
    }

    @Test
    void partitionForSpreadsWorldsOverPartitions() {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            seen.add(EventCodec.partitionFor("world-" + i, 6));
        }
        assertEquals(6, seen.size());
    }

    @Test
    void anIdempotencyKeyTravelsWithItsWindow() throws Exception {
        // given
        ChangeEvent e = sample();
        ChangeEvent keyed = new ChangeEvent(e.eventId(), e.key(), e.op(), e.payload(), e.condition(), e.formatVersion(), e.origin(),
                e.actor(), e.timestampMs(), e.maxValueBytes(), new Idempotency("order-7 \"retry\"", 86_400_000));
        // when
        RecordHeaders h = headersOf(keyed);
        ChangeEvent got = (ChangeEvent) EventCodec.decode(h, PAYLOAD, TS);
        // then
        assertEquals("order-7 \"retry\"", text(h, "ws.idem"));
        assertEquals("86400000", text(h, "ws.idemw"));
        assertEquals(keyed.idempotency(), got.idempotency());
        assertNull(((ChangeEvent) EventCodec.decode(headersOf(e), PAYLOAD, TS)).idempotency(), "no key, no headers");
    }

    @Test
    void rejectsABadIdempotencyKeyOrWindow() {
        ChangeEvent e = sample();
        ChangeEvent keyed = new ChangeEvent(e.eventId(), e.key(), e.op(), e.payload(), e.condition(), e.formatVersion(), e.origin(),
                e.actor(), e.timestampMs(), e.maxValueBytes(), new Idempotency("k", 1000));
        malformed(withHeader(keyed, "ws.idemw", "0"), PAYLOAD, "ws.idemw");
        malformed(withHeader(keyed, "ws.idemw", "soon"), PAYLOAD, "ws.idemw");
        malformed(without(keyed, "ws.idemw"), PAYLOAD, "ws.idemw");
        malformed(without(keyed, "ws.idem"), PAYLOAD, "ws.idem");
        malformed(withHeader(keyed, "ws.idem", "tab\there"), PAYLOAD, "ws.idem");
    }

    // ---- malformed records -----------------------------------------------------------------------

    @Test
    void rejectsRecordWithoutEventId() {
        malformed(without(sample(), "ws.id"), PAYLOAD, "ws.id");
    }

    @Test
    void rejectsRecordWithoutTable() {
        malformed(without(sample(), "ws.table"), PAYLOAD, "ws.table");
    }

    @Test
    void rejectsRecordWithoutOp() {
        malformed(without(sample(), "ws.op"), PAYLOAD, "ws.op");
    }

    @Test
    void rejectsRecordWithoutWorldOrKeyHeader() {
        malformed(without(sample(), "ws.world"), PAYLOAD, "ws.world");
        malformed(without(sample(), "ws.key"), PAYLOAD, "ws.key");
        malformed(without(event(new Key.AppData("w1", "a", null, "k"), Op.PUT, Condition.any(), null), "ws.app"),
                PAYLOAD, "ws.app");
    }

    @Test
    void rejectsRecordWithoutAnyHeaders() {
        malformed(new RecordHeaders(), PAYLOAD, "ws.id");
    }

    @Test
    void rejectsUnknownTable() {
        malformed(withHeader(sample(), "ws.table", "inventories"), PAYLOAD, "inventories");
    }

    @Test
    void rejectsUnknownOp() {
        malformed(withHeader(sample(), "ws.op", "upsert"), PAYLOAD, "upsert");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sometimes", "version=", "version=abc", "version=-1", "version=1.5", "ANY", "version=99999999999999999999"})
    void rejectsBadCondition(String cond) {
        malformed(withHeader(sample(), "ws.cond", cond), PAYLOAD, "ws.cond");
    }

    @Test
    void rejectsBadFormatOrTimestampHeader() {
        malformed(withHeader(sample(), "ws.fmt", "one"), PAYLOAD, "ws.fmt");
        malformed(withHeader(sample(), "ws.ts", "yesterday"), PAYLOAD, "ws.ts");
    }

    @Test
    void rejectsFormatVersionOutsideIntRangeInsteadOfTruncatingIt() {
        // 4294967297 = 2^32 + 1: an (int) cast would silently read it as format 1
        malformed(withHeader(sample(), "ws.fmt", "4294967297"), PAYLOAD, "ws.fmt");
    }

    @Test
    void rejectsPutWithoutValue() {
        malformed(headersOf(sample()), null, "no value");
    }

    @Test
    void rejectsMergeWithoutValue() {
        ChangeEvent merge = event(new Key.Entity("w1", "e1"), Op.MERGE, Condition.any(), null);
        malformed(headersOf(merge), null, "merge-patch");
    }

    @Test
    void rejectsDeleteWithValue() {
        ChangeEvent delete = event(new Key.Entity("w1", "e1"), Op.DELETE, Condition.any(), null);
        malformed(headersOf(delete), PAYLOAD, "delete");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bad world", "w/1", "", "#players"})
    void rejectsInvalidWorldIdInHeader(String worldId) {
        MalformedEventException e = malformed(withHeader(sample(), "ws.world", worldId), PAYLOAD, "worldId");
        assertTrue(e.getMessage().startsWith("bad key"), e.getMessage());
    }

    @Test
    void rejectsInvalidIdsInOtherKeyHeaders() {
        malformed(withHeader(sample(), "ws.key", "e 1"), PAYLOAD, "entityId");
        ChangeEvent app = event(new Key.AppData("w1", "a", "p1", "k"), Op.PUT, Condition.any(), null);
        malformed(withHeader(app, "ws.player", ""), PAYLOAD, "playerId");
        malformed(withHeader(app, "ws.app", "a/b"), PAYLOAD, "appId");
        malformed(withHeader(app, "ws.key", "a b"), PAYLOAD, "key");
    }

    @Test
    void rejectsHeaderWithNullValueAsMissing() {
        RecordHeaders h = without(sample(), "ws.id");
        h.add(new RecordHeader("ws.id", null));
        malformed(h, PAYLOAD, "ws.id");
    }

    @Test
    void rejectsNonUtf8WorldHeader() {
        RecordHeaders h = without(sample(), "ws.world");
        h.add(new RecordHeader("ws.world", new byte[] {(byte) 0xff, (byte) 0xfe}));
        malformed(h, PAYLOAD, "worldId");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ws.id", "ws.table", "ws.world", "ws.key", "ws.op", "ws.origin", "ws.actor"})
    void aRepeatedHeaderIsMalformedNotResolvedByOrder(String name) {
        // given a record carrying a header twice (kcat -H name=a -H name=b): which one counts is anyone's guess
        RecordHeaders h = headersOf(sample());
        h.add(new RecordHeader(name, h.lastHeader(name).value()));
        // then
        malformed(h, PAYLOAD, name + " appears more than once");
    }

    @Test
    void aRepeatedOptionalHeaderIsMalformedToo() {
        RecordHeaders h = headersOf(sample());
        h.add("ws.cond", "absent".getBytes(StandardCharsets.UTF_8));
        h.add("ws.cond", "any".getBytes(StandardCharsets.UTF_8));
        malformed(h, PAYLOAD, "ws.cond appears more than once");
    }

    @Test
    void headersAWriterNeverPutsOnTheEventsTableAreMalformed() {
        // a world header on a registration (players belong to no world)
        malformed(withHeader(event(new Key.Player("p1"), Op.PUT, Condition.absent(), null), "ws.world", "w1"), PAYLOAD,
                "ws.world does not belong to players");
        // a key header on the world state (the world id is its key)
        malformed(withHeader(event(new Key.WorldState("w1"), Op.PUT, Condition.any(), null), "ws.key", "k"), PAYLOAD,
                "ws.key does not belong to world_state");
        // app headers on an entity or a player state
        malformed(withHeader(sample(), "ws.app", "app1"), PAYLOAD, "ws.app does not belong to entity_states");
        malformed(withHeader(event(new Key.PlayerState("w1", "p1"), Op.PUT, Condition.any(), null), "ws.player", "p1"), PAYLOAD,
                "ws.player does not belong to player_states");
    }

    @Test
    void aValueLimitBelongsToMergePatchesOnly() throws Exception {
        // given
        ChangeEvent merge = new ChangeEvent("evt-1", new Key.Entity("w1", "e1"), Op.MERGE, PAYLOAD, Condition.any(), 1, "node-a",
                null, TS, 4096);
        // then a merge carries it, a put or delete may not, and it is at least 1
        assertEquals(4096, ((ChangeEvent) EventCodec.decode(headersOf(merge), PAYLOAD, TS)).maxValueBytes());
        malformed(withHeader(sample(), "ws.limit", "4096"), PAYLOAD, "ws.limit does not belong to a put");
        malformed(withHeader(merge, "ws.limit", "0"), PAYLOAD, "ws.limit");
    }

    @Test
    void aBatchRecordCarriesNoChangeHeaders() {
        byte[] doc = BatchCodec.encode(List.of(new BatchEvent.Item(new Key.Entity("w1", "e"), Op.PUT, Condition.any(), 1, PAYLOAD, 0,
                PAYLOAD.length)), 100, null);
        BatchEvent b = new BatchEvent("evt-b", "w1", doc, List.of(), 100, null, "node-a", null, TS);
        for (String[] h : new String[][] {{"ws.table", "entity_states"}, {"ws.key", "e"}, {"ws.cond", "absent"}, {"ws.fmt", "2"},
            {"ws.app", "a"}, {"ws.player", "p"}, {"ws.limit", "9"}}) {
            RecordHeaders headers = new RecordHeaders(EventCodec.headers(b));
            headers.add(h[0], h[1].getBytes(StandardCharsets.UTF_8));
            malformed(headers, doc, h[0] + " does not belong to a batch");
        }
    }

    @Test
    void originAndActorMustFitTheStoredLayout() throws Exception {
        // given names one byte over and at the 16-bit length the stored value gives them
        String tooLong = "a".repeat(EventCodec.MAX_NAME_BYTES + 1);
        String longest = "é".repeat(EventCodec.MAX_NAME_BYTES / 2);
        // then
        malformed(withHeader(sample(), "ws.actor", tooLong), PAYLOAD, "ws.actor");
        malformed(withHeader(sample(), "ws.origin", tooLong), PAYLOAD, "ws.origin");
        ChangeEvent got = (ChangeEvent) EventCodec.decode(withHeader(sample(), "ws.actor", longest), PAYLOAD, TS);
        byte[] stored = StoredCodec.encode(1, TS, 1, got.origin(), got.actor(), PAYLOAD);
        assertEquals(longest, StoredCodec.decode(got.key(), stored).actor());
    }

    @Test
    void anEmptyOrOverlongEventIdIsMalformed() {
        malformed(withHeader(sample(), "ws.id", ""), PAYLOAD, "ws.id");
        malformed(withHeader(sample(), "ws.id", "x".repeat(EventCodec.MAX_EVENT_ID_BYTES + 1)), PAYLOAD, "ws.id");
    }

    @Test
    void unknownWorldstoreHeadersOfLaterReleasesAreIgnored() throws Exception {
        RecordHeaders h = headersOf(sample());
        h.add("ws.future", "1".getBytes(StandardCharsets.UTF_8));
        h.add("ws.future", "2".getBytes(StandardCharsets.UTF_8));
        assertEquals("evt-1", EventCodec.decode(h, PAYLOAD, TS).eventId());
    }

    @Test
    void conditionTextMatchesWireForm() throws Exception {
        assertEquals("any", EventCodec.conditionText(Condition.any()));
        assertEquals("absent", EventCodec.conditionText(Condition.absent()));
        assertEquals("version=0", EventCodec.conditionText(Condition.version(0)));
        for (Condition c : allConditions()) {
            assertEquals(c, EventCodec.parseCondition(EventCodec.conditionText(c)));
            assertEquals(c.toString(), EventCodec.conditionText(c));
        }
    }
}
