package dev.worldstore.projector;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import dev.worldstore.Json;
import dev.worldstore.LogPosition;
import dev.worldstore.Op;
import dev.worldstore.Table;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    /**
     * The writer's JSON rules ({@link Json}: nesting, string length, everything else Jackson's
     * defaults) without Jackson's own duplicate-name tracking, which allocates a hash set for every
     * object of more than two members; {@link #checkJson} finds duplicates itself (see there).
     */
    private static final JsonFactory VALUES = JsonFactory.builder()
            // Jackson's default pool keeps buffers in a thread-local soft reference, which a profile of the
            // fetch thread found re-created for most parsers (6% of the thread); a deque pool hands the
            // same few buffers back every time
            .recyclerPool(JsonRecyclerPools.newConcurrentDequePool())
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(Json.MAX_NESTING_DEPTH)
                    .maxStringLength(Json.MAX_STRING_LENGTH)
                    .build())
            .build();
    /** Members an object may have before its names are checked through a hash set instead of a scan. */
    private static final int SCANNED_MEMBERS = 16;

    private final EventCodec.Decoder decoder = new EventCodec.Decoder();
    /** The member names of the objects being read, innermost last (scratch for {@link #checkJson}). */
    private String[] names = new String[64];
    /** Per open container, where its names start in {@link #names}. */
    private final int[] starts = new int[Json.MAX_NESTING_DEPTH + 1];
    /** Per open container, its names as a set once it has more than {@link #SCANNED_MEMBERS} (else null). */
    private final Set<String>[] wide = newSets(Json.MAX_NESTING_DEPTH + 1);
    /** Per level, a set kept for reuse by {@link #wide}. */
    private final Set<String>[] spares = newSets(Json.MAX_NESTING_DEPTH + 1);
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
     * <p>Duplicate member names are found here rather than by Jackson: each object's names so far
     * are kept on a stack and a new name is compared with its siblings (Jackson canonicalises names,
     * so a repeat is the same {@code String} and found by identity before {@code equals}); an object
     * of more than {@value #SCANNED_MEMBERS} members moves to a hash set, so a wide object costs no
     * more than Jackson's own check. Nothing is allocated for ordinary values.
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
        int depth = 0;
        try (JsonParser p = VALUES.createParser(buf, offset, length)) {
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
            int top = 0;
            do {
                switch (t) {
                    case START_OBJECT, START_ARRAY -> starts[depth++] = top;
                    case END_OBJECT, END_ARRAY -> {
                        top = starts[--depth];
                        if (wide[depth] != null) {
                            wide[depth].clear();
                            wide[depth] = null;
                        }
                    }
                    case FIELD_NAME -> top = name(p.currentName(), depth - 1, top, p);
                    default -> {
                        // a scalar: a string's text is skipped (and checked) by the next token
                    }
                }
            } while (depth > 0 && (t = p.nextToken()) != null);
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
            for (int d = 0; d < depth; d++) {
                wide[d] = null; // a value that failed midway leaves no state for the next
            }
        }
    }

    /** Records member {@code name} of the object at {@code level}; returns the new top of {@link #names}. */
    private int name(String name, int level, int top, JsonParser p) throws JsonParseException {
        Set<String> set = wide[level];
        if (set != null) {
            if (!set.add(name)) {
                throw duplicate(name, p);
            }
            return top;
        }
        int from = starts[level];
        for (int i = from; i < top; i++) {
            String n = names[i];
            if (n == name || n.equals(name)) {
                throw duplicate(name, p);
            }
        }
        if (top - from == SCANNED_MEMBERS) {
            set = spare(level);
            for (int i = from; i < top; i++) {
                set.add(names[i]);
            }
            set.add(name);
            wide[level] = set;
            return from;
        }
        if (top == names.length) {
            names = Arrays.copyOf(names, top * 2);
        }
        names[top] = name;
        return top + 1;
    }

    private Set<String> spare(int level) {
        Set<String> s = spares[level];
        if (s == null) {
            s = new HashSet<>();
            spares[level] = s;
        }
        s.clear();
        return s;
    }

    @SuppressWarnings("unchecked")
    private static Set<String>[] newSets(int n) {
        return (Set<String>[]) new Set<?>[n];
    }

    /** As Jackson words it with its own duplicate detection on, so both checks read alike. */
    private static JsonParseException duplicate(String name, JsonParser p) {
        return new JsonParseException(p, "Duplicate field '" + name + "'", p.currentLocation());
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
