package dev.worldstore.projector;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.worldstore.Json;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import dev.worldstore.Table;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Turns one poll's Kafka records into {@link Decoded} records for the projection rules, on the
 * thread that polled (header parsing and the payload check are most of a record's CPU). A record
 * is an event only if all of this holds, else it is handed on as malformed (the rules dead-letter
 * it):
 *
 * <ul>
 *   <li>its headers make an event ({@link EventCodec#decode}; a batch's value, {@link BatchCodec#decode});
 *   <li>its record key is the routing key the writer uses for that event (the world id, or
 *       {@value EventCodec#PLAYERS_ROUTING_KEY} for a registration) and it sits in that key's
 *       partition, so a world's events are in its partition and its feed, and nowhere else;
 *   <li>its value is what the writer's {@link Validator} lets through as JSON: UTF-8 without a byte
 *       order mark, exactly one JSON value, no trailing content, no duplicate member names, nesting
 *       at most {@link Json#MAX_NESTING_DEPTH}; a JSON object in the tables of objects (a put's value
 *       and a merge patch alike), not {@code null} in app storage.
 * </ul>
 *
 * The value check is a streaming parse (Jackson's tokenizer with the writer's constraints): no
 * tree is built and string contents are skipped, not decoded. Shape rules beyond that (vectors,
 * an entity's {@code id}) stay the writer's: they depend on the data format, which newer writers
 * may change, and a value that breaks them is still JSON every read can return.
 *
 * <p>Reuses header text that repeats between records, so not thread-safe: one per polling thread.
 */
final class RecordDecoder {
    private final EventCodec.Decoder decoder = new EventCodec.Decoder();
    /** Checks member names of the values read (scratch, reused value after value). */
    private final JsonWalk walk = new JsonWalk();
    private final int partitions;
    /** The last routing key checked and its partition: consecutive records mostly share a world. */
    private String lastRouting;
    private int lastPartition;

    /** @param partitions the change log's partition count, which decides each routing key's partition */
    RecordDecoder(int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions " + partitions);
        }
        this.partitions = partitions;
    }

    /** One poll's records, decoded, per partition in log order. */
    static final class Polled {
        final Map<Integer, List<Decoded>> partitions = new LinkedHashMap<>();
    }

    Polled decode(ConsumerRecords<byte[], byte[]> records) {
        Polled polled = new Polled();
        for (TopicPartition tp : records.partitions()) {
            polled.partitions.put(tp.partition(), decode(records.records(tp)));
        }
        return polled;
    }

    /** The records of one partition, decoded, in log order. */
    List<Decoded> decode(List<ConsumerRecord<byte[], byte[]>> records) {
        List<Decoded> decoded = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            decoded.add(decode(r));
        }
        return decoded;
    }

    Decoded decode(ConsumerRecord<byte[], byte[]> r) {
        LogPosition position = new LogPosition(r.partition(), r.offset());
        Decoded.Raw raw = new KafkaRaw(r);
        try {
            return new Decoded(position, r.timestamp(), event(r.key(), r.partition(), r.headers(), r.value(), r.timestamp()), null,
                    raw);
        } catch (MalformedEventException ex) {
            return new Decoded(position, r.timestamp(), null, ex.getMessage(), raw);
        }
    }

    /**
     * The event a record holds, checked as the class comment says.
     *
     * @throws MalformedEventException naming the first rule it breaks
     */
    LogEvent event(byte[] recordKey, int partition, Headers headers, byte[] value, long timestamp) throws MalformedEventException {
        LogEvent e = decoder.decode(headers, value, timestamp);
        String routing = e instanceof BatchEvent b ? b.worldId() : EventCodec.routingKey(((ChangeEvent) e).key());
        checkRouting(routing, recordKey, partition);
        if (e instanceof ChangeEvent c && c.payload() != null) {
            checkJson(c.key().table(), c.op(), c.payload(), 0, c.payload().length);
        }
        return e;
    }

    private void checkRouting(String routing, byte[] recordKey, int partition) throws MalformedEventException {
        if (recordKey == null) {
            throw new MalformedEventException("the record has no key; a worldstore record's key is its routing key '" + routing + "'");
        }
        if (!asciiEquals(routing, recordKey)) {
            throw new MalformedEventException("the record key '" + new String(recordKey, StandardCharsets.UTF_8)
                    + "' is not the routing key of its event '" + routing + "' (a world's events are keyed by the world id, "
                    + "registrations by " + EventCodec.PLAYERS_ROUTING_KEY + ")");
        }
        if (!routing.equals(lastRouting)) {
            lastPartition = EventCodec.partitionFor(routing, partitions);
            lastRouting = routing;
        }
        if (partition != lastPartition) {
            throw new MalformedEventException("the record is in partition " + partition + ", but key '" + routing + "' routes to "
                    + lastPartition + " of " + partitions);
        }
    }

    /** True if {@code bytes} are {@code text}'s characters, each one byte (world ids and routing keys are ASCII). */
    private static boolean asciiEquals(String text, byte[] bytes) {
        if (text.length() != bytes.length) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != text.charAt(i) || text.charAt(i) > 0x7F) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks {@code length} bytes of {@code buf} from {@code offset} as the value or patch of a
     * change to {@code table}: one well-formed JSON value by the writer's rules, of the kind the
     * table holds.
     *
     * <p>Duplicate member names are found by {@link JsonWalk} (a stack of names, not Jackson's
     * per-object hash sets). Nothing is allocated for ordinary values.
     *
     * @throws MalformedEventException naming the rule
     */
    void checkJson(Table table, Op op, byte[] buf, int offset, int length) throws MalformedEventException {
        String what = op == Op.MERGE ? "merge patch" : "value";
        if (length == 0) {
            throw new MalformedEventException("the " + what + " is empty, not JSON");
        }
        int b0 = buf[offset] & 0xFF;
        if (b0 == 0xEF || b0 == 0xFE || b0 == 0xFF || b0 == 0 || (length > 1 && buf[offset + 1] == 0)) {
            // a byte order mark or UTF-16/32 text, which Jackson would read: the writer stores UTF-8 only
            throw new MalformedEventException("the " + what + " is not UTF-8 JSON (a byte order mark or UTF-16/32 text)");
        }
        try (JsonParser p = JsonWalk.parser(buf, offset, length)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new MalformedEventException("the " + what + " holds no JSON value");
            }
            if (table != Table.APP_STORAGE && t != JsonToken.START_OBJECT) {
                throw new MalformedEventException("the " + what + " of " + table.wireName() + " must be a JSON object, was "
                        + kind(t));
            }
            if (t == JsonToken.VALUE_NULL) {
                throw new MalformedEventException("the " + what + " of app storage must not be null (a delete removes a key)");
            }
            walk.value(p, t);
            if (p.nextToken() != null) {
                throw new MalformedEventException("the " + what + " is not valid JSON: trailing content after the JSON value"
                        + Json.where(p.currentTokenLocation()));
            }
        } catch (JsonProcessingException ex) {
            throw new MalformedEventException("the " + what + " is not valid JSON" + Json.where(ex.getLocation()) + ": "
                    + ex.getOriginalMessage(), ex);
        } catch (IOException ex) {
            throw new MalformedEventException("the " + what + " could not be read: " + ex.getMessage(), ex);
        } finally {
            walk.reset(); // a value that failed midway leaves no state for the next
        }
    }

    private static String kind(JsonToken t) {
        return switch (t) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.name();
        };
    }

    /** A Kafka record as a dead letter reads it. */
    private record KafkaRaw(ConsumerRecord<byte[], byte[]> record) implements Decoded.Raw {
        @Override
        public String headersText() {
            StringBuilder headers = new StringBuilder();
            for (Header h : record.headers()) {
                headers.append(h.key()).append('=')
                        .append(h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8)).append('\n');
            }
            return headers.toString();
        }

        @Override
        public byte[] value() {
            return record.value();
        }

        @Override
        public String eventId() {
            Header id = record.headers().lastHeader(EventCodec.H_ID);
            return id == null || id.value() == null ? null : new String(id.value(), StandardCharsets.UTF_8);
        }
    }
}
