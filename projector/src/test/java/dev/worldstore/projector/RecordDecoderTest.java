package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.Condition;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.Op;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the projector takes for an event: a record whose headers, record key, partition and value
 * all agree with what a worldstore writer would have appended; everything else is malformed (and
 * dead-lettered), whoever produced it.
 */
class RecordDecoderTest {
    private static final int PARTITIONS = 6;
    private static final String W = "w1";
    private static final long TS = 1_700_000_000_000L;

    private final RecordDecoder decoder = new RecordDecoder(PARTITIONS);

    private static ChangeEvent change(Key key, Op op, String json) {
        return new ChangeEvent("ev-1", key, op, json == null ? null : json.getBytes(StandardCharsets.UTF_8), Condition.any(), 1,
                "node-a", null, TS, op == Op.MERGE ? 1000 : 0);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int partitionOf(String routingKey) {
        return EventCodec.partitionFor(routingKey, PARTITIONS);
    }

    /** Decodes {@code e} as a record with its routing key in its partition, its value replaced by {@code value}. */
    private LogEvent decode(ChangeEvent e, byte[] value) throws MalformedEventException {
        String routing = EventCodec.routingKey(e.key());
        return decoder.event(utf8(routing), partitionOf(routing), new RecordHeaders(EventCodec.headers(e)), value, TS);
    }

    private void malformed(ChangeEvent e, byte[] value, String expectedInMessage) {
        MalformedEventException ex = assertThrows(MalformedEventException.class, () -> decode(e, value));
        assertTrue(ex.getMessage().contains(expectedInMessage), () -> "'" + ex.getMessage() + "' should say '" + expectedInMessage + "'");
    }

    // ---- values --------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"{\"counter\": nope}", "{\"a\":1", "{\"a\":1}}", "{\"a\":1} x", "{\"a\":1}{\"b\":2}", "{\"a\":[1,2}",
        "{\"a\":\"unterminated}", "{'a':1}", "{\"a\":01}", "{\"a\":NaN}", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":\"\u0001\"}",
        "{\"a\":tru}", "{\"a\":\"x\"]"})
    void aValueThatIsNotJsonIsMalformedThoughItLooksLikeAnObject(String value) {
        // given a put whose value starts with { and ends with } (or nearly), as kcat would send it
        ChangeEvent put = change(new Key.PlayerState(W, "p"), Op.PUT, "{}");
        // when / then
        malformed(put, utf8(value), "not valid JSON");
    }

    @Test
    void duplicateMemberNamesAreMalformedAtAnyDepth() {
        malformed(change(new Key.Entity(W, "e"), Op.PUT, "{}"), utf8("{\"a\":1,\"a\":2}"), "Duplicate field 'a'");
        malformed(change(new Key.AppData(W, "app", null, "k"), Op.PUT, "{}"), utf8("[{\"x\":{\"b\":1,\"b\":1}}]"), "Duplicate");
    }

    @Test
    void nestingIsLimitedAsTheWriterLimitsIt() throws MalformedEventException {
        // given values nested exactly at the limit and one deeper
        String atLimit = "[".repeat(Json.MAX_NESTING_DEPTH) + "]".repeat(Json.MAX_NESTING_DEPTH);
        String deeper = "[".repeat(Json.MAX_NESTING_DEPTH + 1) + "]".repeat(Json.MAX_NESTING_DEPTH + 1);
        ChangeEvent app = change(new Key.AppData(W, "app", null, "k"), Op.PUT, "{}");
        // then the first is an event, the second is not
        assertNotNull(decode(app, utf8(atLimit)));
        malformed(app, utf8(deeper), "nesting depth");
    }

    @Test
    void invalidUtf8InsideAStringIsMalformed() {
        byte[] value = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        malformed(change(new Key.Entity(W, "e"), Op.PUT, "{}"), value, "not valid JSON");
    }

    @Test
    void utf16OrAByteOrderMarkIsMalformedThoughJacksonCouldReadIt() {
        ChangeEvent put = change(new Key.Entity(W, "e"), Op.PUT, "{}");
        malformed(put, "{\"a\":1}".getBytes(StandardCharsets.UTF_16BE), "not UTF-8");
        malformed(put, "{\"a\":1}".getBytes(StandardCharsets.UTF_16LE), "not UTF-8");
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'};
        malformed(put, bom, "byte order mark");
    }

    @Test
    void anEmptyOrBlankValueIsMalformed() {
        ChangeEvent put = change(new Key.AppData(W, "app", null, "k"), Op.PUT, "{}");
        malformed(put, new byte[0], "empty");
        malformed(put, utf8("   "), "no JSON value");
    }

    @Test
    void tablesOfObjectsTakeObjectsForPutsAndMergePatchesAlike() {
        for (Key key : List.of(new Key.PlayerState(W, "p"), new Key.Entity(W, "e"), new Key.WorldState(W))) {
            for (Op op : List.of(Op.PUT, Op.MERGE)) {
                malformed(change(key, op, "{}"), utf8("[1,2]"), "must be a JSON object, was an array");
                malformed(change(key, op, "{}"), utf8("\"text\""), "must be a JSON object, was a string");
                malformed(change(key, op, "{}"), utf8("null"), "must be a JSON object, was null");
            }
        }
        malformed(change(new Key.Player("p"), Op.PUT, "{}"), utf8("42"), "must be a JSON object");
    }

    @Test
    void appStorageTakesAnyJsonValueButNull() throws MalformedEventException {
        Key key = new Key.AppData(W, "app", "p", "k");
        for (String v : List.of("42", "\"s\"", "[1]", "{\"a\":{}}", "true", " 1.5e3 ")) {
            ChangeEvent e = (ChangeEvent) decode(change(key, Op.PUT, "{}"), utf8(v));
            assertArrayEquals(utf8(v), e.payload());
        }
        malformed(change(key, Op.PUT, "{}"), utf8("null"), "must not be null");
        malformed(change(key, Op.MERGE, "{}"), utf8("null"), "must not be null");
    }

    @Test
    void aWellFormedValueIsAnEventWithItsBytesAsSent() throws MalformedEventException {
        byte[] value = utf8(" {\"position\":[1,2,3], \"bag\":{\"a\":\"é\"}} \n");
        ChangeEvent e = (ChangeEvent) decode(change(new Key.PlayerState(W, "p"), Op.PUT, "{}"), value);
        assertArrayEquals(value, e.payload());
    }

    // ---- record key and partition -------------------------------------------------------------

    @Test
    void aWorldHeaderThatIsNotTheRecordKeyIsMalformed() {
        // given a record keyed (and partitioned) as world w2's, whose headers name world w1
        ChangeEvent e = change(new Key.Entity(W, "e"), Op.PUT, "{}");
        MalformedEventException ex = assertThrows(MalformedEventException.class, () -> decoder.event(utf8("w2"), partitionOf("w2"),
                new RecordHeaders(EventCodec.headers(e)), e.payload(), TS));
        // then
        assertTrue(ex.getMessage().contains("is not the routing key"), ex.getMessage());
    }

    @Test
    void aRecordWithoutKeyIsMalformed() {
        ChangeEvent e = change(new Key.Entity(W, "e"), Op.PUT, "{}");
        MalformedEventException ex = assertThrows(MalformedEventException.class, () -> decoder.event(null, partitionOf(W),
                new RecordHeaders(EventCodec.headers(e)), e.payload(), TS));
        assertTrue(ex.getMessage().contains("no key"), ex.getMessage());
    }

    @Test
    void aRecordInAnotherPartitionThanItsKeysIsMalformed() {
        ChangeEvent e = change(new Key.Entity(W, "e"), Op.PUT, "{}");
        int wrong = (partitionOf(W) + 1) % PARTITIONS;
        MalformedEventException ex = assertThrows(MalformedEventException.class, () -> decoder.event(utf8(W), wrong,
                new RecordHeaders(EventCodec.headers(e)), e.payload(), TS));
        assertTrue(ex.getMessage().contains("routes to " + partitionOf(W)), ex.getMessage());
    }

    @Test
    void registrationsAreKeyedByTheirRoutingKeyNotAWorld() throws MalformedEventException {
        ChangeEvent reg = change(new Key.Player("p"), Op.PUT, "{\"id\":\"p\",\"username\":\"Al\"}");
        RecordHeaders h = new RecordHeaders(EventCodec.headers(reg));
        assertNotNull(decoder.event(utf8("#players"), partitionOf("#players"), h, reg.payload(), TS));
        assertThrows(MalformedEventException.class, () -> decoder.event(utf8("p"), partitionOf("p"), h, reg.payload(), TS));
    }

    @Test
    void aBatchKeyedAsAnotherWorldIsMalformed() throws MalformedEventException {
        // given a batch of world w1
        byte[] doc = BatchCodec.encode(List.of(new BatchEvent.Item(new Key.Entity(W, "e"), Op.PUT, Condition.any(), 1, utf8("{}"), 0,
                2)), 100, null);
        BatchEvent b = new BatchEvent("ev-b", W, doc, List.of(), 100, null, "node-a", null, TS);
        RecordHeaders h = new RecordHeaders(EventCodec.headers(b));
        // then keyed as w1 in w1's partition it is an event; keyed as w2 it is not
        assertNotNull(decoder.event(utf8(W), partitionOf(W), h, doc, TS));
        assertThrows(MalformedEventException.class, () -> decoder.event(utf8("w2"), partitionOf("w2"), h, doc, TS));
    }

    // ---- through a consumer record ---------------------------------------------------------------

    @Test
    void aPoisonRecordIsHandedOnAsMalformedWithItsRawBytes() {
        // given kcat's record: valid headers, a value that is not JSON
        ChangeEvent e = change(new Key.PlayerState(W, "p"), Op.PUT, "{}");
        byte[] value = utf8("{\"counter\": nope}");
        ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>("t", partitionOf(W), 17, TS, TimestampType.CREATE_TIME, 2,
                value.length, utf8(W), value, new RecordHeaders(EventCodec.headers(e)), Optional.empty());
        // when
        Decoded d = decoder.decode(r);
        // then
        assertNull(d.event());
        assertTrue(d.malformed().contains("not valid JSON"), d.malformed());
        assertArrayEquals(value, d.raw().value());
        assertEquals("ev-1", d.raw().eventId());
        assertEquals(17, d.position().offset());
    }
}
