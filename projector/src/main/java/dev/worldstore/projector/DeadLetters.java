package dev.worldstore.projector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.DeadLetter;
import dev.worldstore.Json;
import dev.worldstore.LogPosition;
import dev.worldstore.ValidationException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter column family: records the projector could not decode or apply, kept with their
 * headers and bytes for inspection, keyed by log position. Writing and reading the entry's format
 * are both here:
 *
 * <pre>
 * key    partition (4 bytes) | offset (8 bytes), big-endian
 * value  JSON {"partition", "offset", "recordedAt" (epoch ms), "reason", "headers" (name=value lines), "value"? (base64)}
 * </pre>
 *
 * Stateless.
 */
final class DeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

    private DeadLetters() {
    }

    /** Key of a log position in the dead_letters and rejected families: partition then offset, big-endian. */
    static byte[] positionKey(int partition, long offset) {
        return ByteBuffer.allocate(12).putInt(partition).putLong(offset).array();
    }

    static byte[] encode(DeadLetter letter) {
        ObjectNode n = Json.object()
                .put("partition", letter.position().partition())
                .put("offset", letter.position().offset())
                .put("recordedAt", letter.recordedAt().toEpochMilli())
                .put("reason", letter.reason())
                .put("headers", letter.headers());
        if (letter.value() != null) {
            n.put("value", Base64.getEncoder().encodeToString(letter.value()));
        }
        return Json.bytes(n);
    }

    static DeadLetter decode(byte[] entry) {
        JsonNode n = Json.parse(entry);
        byte[] value = n.hasNonNull("value") ? Base64.getDecoder().decode(n.get("value").asText()) : null;
        return new DeadLetter(new LogPosition(n.path("partition").asInt(), n.path("offset").asLong()),
                Instant.ofEpochMilli(n.path("recordedAt").asLong()), n.path("reason").asText(), n.path("headers").asText(), value);
    }

    /** The newest {@code limit} dead letters of {@code projection}, newest first; unreadable entries are logged and skipped. */
    static List<DeadLetter> newest(RocksProjection projection, int limit) {
        List<DeadLetter> result = new ArrayList<>();
        try (ReadOptions ro = new ReadOptions(); RocksIterator it = projection.iterator(Cf.DEAD_LETTERS, ro)) {
            for (it.seekToLast(); it.isValid() && result.size() < limit; it.prev()) {
                try {
                    result.add(decode(it.value()));
                } catch (ValidationException | IllegalArgumentException e) {
                    LOG.warn("unreadable dead letter entry: {}", e.toString());
                }
            }
        }
        return result;
    }
}
