package dev.worldstore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.worldstore.AsOf;
import dev.worldstore.Change;
import dev.worldstore.Key;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the Hyperfy import and export need of a world, from a node in this process
 * ({@link LocalWorldAccess}) or over the HTTP API ({@link HttpWorldAccess}): read a world whole,
 * read keys with their versions, write batches, look up and register players. Outcomes a caller
 * acts on are values, not exceptions; a failure nothing can be done about is a {@link CliFailure}.
 * Implementations are thread-safe.
 */
interface WorldAccess extends AutoCloseable {

    /** One key with its value; {@code version} is -1 and {@code updatedAt} null when the source does not say. */
    record Current(Key key, JsonNode value, long version, Instant updatedAt) {
    }

    /** What became of a batch. */
    sealed interface BatchResult permits Applied, Invalid, Conflict, Retry, Failed {
    }

    /** Applied (or, {@code replayed}, an earlier attempt with the same idempotency key was) at {@code position}. */
    record Applied(boolean replayed, dev.worldstore.LogPosition position) implements BatchResult {
    }

    /** Refused before anything was appended: change {@code index} broke a rule. */
    record Invalid(int index, String field, String rule) implements BatchResult {
    }

    /** Nothing applied: the conditions of these changes failed. */
    record Conflict(List<Integer> indexes) implements BatchResult {
    }

    /** Not applied, or not known to be: send the same batch again later (same idempotency key). */
    record Retry(String why) implements BatchResult {
    }

    /** Refused for a reason a retry does not change (authorisation, say). */
    record Failed(String why) implements BatchResult {
    }

    enum Registered { REGISTERED, USERNAME_TAKEN, ID_TAKEN, INVALID, FORBIDDEN, UNAVAILABLE }

    /** Where the world is, for messages: "the node on /var/lib/worldstore" or "http://host:8080". */
    String describe();

    /** Who the writes are recorded as, for messages. */
    String actor();

    /** True when {@link #world} gives versions (else read them with {@link #read}). */
    boolean worldHasVersions();

    /**
     * Every key of a world as of {@code asOf} ({@code null}: now), in table then key order.
     *
     * @return what could not be read, said in words (empty when nothing)
     */
    List<String> world(String worldId, AsOf asOf, Consumer<Current> sink);

    /** The keys' current values and versions, in order; {@code null} where a key holds nothing. At most 1,000 keys. */
    List<Current> read(String worldId, List<Key> keys);

    /** Appends one batch of changes to {@code worldId} (as {@link #actor()}) with an idempotency key. */
    BatchResult writeBatch(String worldId, List<Change> changes, String idempotencyKey);

    /**
     * The username of a registered player; empty when none is registered with the id.
     *
     * @throws CliFailure when the lookup is refused (authorisation)
     */
    Optional<String> player(String playerId);

    Registered register(String playerId, String username);

    @Override
    void close();
}
