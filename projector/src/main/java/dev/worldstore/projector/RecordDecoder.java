package dev.worldstore.projector;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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

/**
 * Turns one poll's Kafka records into {@link Decoded} records for the projection rules, on the
 * thread that polled (header parsing and the payload check are most of a record's CPU). Reuses
 * header text that repeats between records, so not thread-safe: one per polling thread.
 */
final class RecordDecoder {
    /** A plain factory for the well-formedness check: no duplicate-key tracking, no tree. */
    private static final JsonFactory WELL_FORMED = new JsonFactory();

    private final EventCodec.Decoder decoder = new EventCodec.Decoder();

    /** One poll's records, decoded, per partition in log order. */
    static final class Polled {
        final Map<Integer, List<Decoded>> partitions = new LinkedHashMap<>();
    }

    Polled decode(ConsumerRecords<byte[], byte[]> records) {
        Polled polled = new Polled();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
            List<Decoded> decoded = new ArrayList<>(rs.size());
            for (ConsumerRecord<byte[], byte[]> r : rs) {
                decoded.add(decode(r));
            }
            polled.partitions.put(tp.partition(), decoded);
        }
        return polled;
    }

    Decoded decode(ConsumerRecord<byte[], byte[]> r) {
        LogPosition position = new LogPosition(r.partition(), r.offset());
        Decoded.Raw raw = new KafkaRaw(r);
        try {
            LogEvent e = decoder.decode(r.headers(), r.value(), r.timestamp());
            if (e instanceof ChangeEvent c && c.payload() != null) {
                checkWellFormed(c);
            }
            return new Decoded(position, r.timestamp(), e, null, raw);
        } catch (MalformedEventException ex) {
            return new Decoded(position, r.timestamp(), null, ex.getMessage(), raw);
        }
    }

    /** Object tables need a JSON object, app data any JSON value: a streaming check, no tree built. */
    static void checkWellFormed(ChangeEvent e) throws MalformedEventException {
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
        try (JsonParser parser = WELL_FORMED.createParser(p)) {
            JsonToken token = parser.nextToken();
            if (token == null || (objectTable && token != JsonToken.START_OBJECT && e.op() == Op.PUT)) {
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
