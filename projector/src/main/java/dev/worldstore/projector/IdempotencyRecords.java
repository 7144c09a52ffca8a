package dev.worldstore.projector;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link Cf#IDEMPOTENCY} family: per world and idempotency key, the first applied event that
 * carried it. Key: the world id (empty for players), a 0 byte, the key (both UTF-8; ids never hold
 * a 0 byte). Value: the event's timestamp (epoch ms), its offset, the window it was written with
 * (ms), the fingerprint of what it asked ({@link #fingerprint}), then one version per change
 * (8-byte big-endian longs). Stateless.
 *
 * <p>The fingerprint lets a retry be told from a different write that reuses a key by mistake (the
 * IETF httpapi draft: such a request is refused with 422, not answered as a replay).
 */
final class IdempotencyRecords {
    /** Entries are kept this long past their window, so writers' clocks may differ by up to this much. */
    static final long CLOCK_SLACK_MS = 3_600_000;

    private IdempotencyRecords() {
    }

    static byte[] key(String worldId, String idempotencyKey) {
        byte[] w = (worldId == null ? "" : worldId).getBytes(StandardCharsets.UTF_8);
        byte[] k = idempotencyKey.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(w.length + 1 + k.length).put(w).put((byte) 0).put(k).array();
    }

    private static final int VERSIONS_AT = 32;

    static byte[] value(long timestampMs, long offset, long windowMs, long fingerprint, long[] versions) {
        ByteBuffer b = ByteBuffer.allocate(VERSIONS_AT + 8 * versions.length).putLong(timestampMs).putLong(offset).putLong(windowMs)
                .putLong(fingerprint);
        for (long v : versions) {
            b.putLong(v);
        }
        return b.array();
    }

    static long timestampMs(byte[] value) {
        return ByteBuffer.wrap(value).getLong(0);
    }

    static long offset(byte[] value) {
        return ByteBuffer.wrap(value).getLong(8);
    }

    static long windowMs(byte[] value) {
        return ByteBuffer.wrap(value).getLong(16);
    }

    static long fingerprint(byte[] value) {
        return ByteBuffer.wrap(value).getLong(24);
    }

    static List<Long> versions(byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value);
        List<Long> versions = new ArrayList<>((value.length - VERSIONS_AT) / 8);
        for (int at = VERSIONS_AT; at + 8 <= value.length; at += 8) {
            versions.add(b.getLong(at));
        }
        return versions;
    }

    /**
     * What an event asks, as 8 bytes of SHA-256: for a change its key, operation, condition and
     * payload; for a batch its document (every change). Actor, origin and time are left out: a
     * retry may come from another server.
     */
    static long fingerprint(LogEvent event) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        if (event instanceof BatchEvent b) {
            sha.update((byte) 'b');
            sha.update(b.document());
        } else {
            ChangeEvent c = (ChangeEvent) event;
            sha.update((c.key().describe() + '\n' + c.op().wireName() + '\n' + c.condition() + '\n')
                    .getBytes(StandardCharsets.UTF_8));
            if (c.payload() != null) {
                sha.update(c.payload());
            }
        }
        return ByteBuffer.wrap(sha.digest()).getLong();
    }

    /** True when an event at {@code eventMs} falls within the window of the entry {@code value}. */
    static boolean covers(byte[] value, long eventMs) {
        return eventMs - timestampMs(value) <= windowMs(value);
    }

    /** True when no event can fall within the entry's window any more, given the latest event time applied. */
    static boolean expired(byte[] value, long latestEventMs) {
        return latestEventMs - timestampMs(value) > windowMs(value) + CLOCK_SLACK_MS;
    }
}
