package dev.worldstore.projector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Json;
import dev.worldstore.Key;
import dev.worldstore.Op;
import dev.worldstore.Table;
import dev.worldstore.Usernames;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * The registration rule of {@link ProjectionRules}: create-only on the player id and a free
 * username (NFC, case folded); all registrations share one partition, so the winner of a race is
 * the same on every node. A registration that is not a put, or has no valid username, is a dead
 * letter.
 */
final class RegistrationRule {
    private RegistrationRule() {
    }

    /** Applies the registration {@code e} of {@code player} within {@code poll}. */
    static void apply(ProjectionRules.Poll poll, Decoded d, ChangeEvent e, Key.Player player) {
        if (e.op() != Op.PUT) {
            poll.deadLetter(d, "players support registration (put) only, got " + e.op().wireName());
            return;
        }
        String username;
        String normalized;
        try {
            JsonNode body = Json.parse(e.payload());
            username = body.path("username").asText(null);
            normalized = Usernames.normalize(username);
        } catch (RuntimeException ex) {
            poll.deadLetter(d, "bad registration: " + ex.getMessage());
            return;
        }
        long version = d.position().offset();
        byte[] key = KeyCodec.encode(player);
        byte[] current = poll.overlay.read(Cf.PLAYERS, key);
        if (current != null) {
            poll.refuse(d, e.eventId(), new Verdict.Conflict(StoredCodec.version(current)));
            return;
        }
        byte[] nameKey = normalized.getBytes(StandardCharsets.UTF_8);
        byte[] holder = poll.overlay.read(Cf.USERNAMES, nameKey);
        if (holder != null && !Arrays.equals(holder, key)) {
            poll.refuse(d, e.eventId(), new Verdict.UsernameTaken());
            return;
        }
        ObjectNode record = Json.object()
                .put("id", player.playerId())
                .put("username", username)
                .put("createdAt", Instant.ofEpochMilli(poll.time).toString());
        poll.overlay.put(Cf.PLAYERS, key, StoredCodec.encode(version, poll.time, e.formatVersion(), e.origin(), e.actor(),
                Json.bytes(record)));
        poll.overlay.put(Cf.USERNAMES, nameKey, key);
        poll.out.put(Cf.HISTORY, HistoryCodec.key(Table.PLAYERS, key, version), HistoryCodec.value(e, version, poll.time));
        poll.touch(player.playerId(), poll.time);
        poll.applied(e, version);
    }
}
