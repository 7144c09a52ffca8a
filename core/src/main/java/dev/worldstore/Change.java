package dev.worldstore;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One requested change: what to do to which key, under which condition, on whose behalf.
 *
 * <p>A PUT or MERGE carries its payload in one of two forms: a {@link JsonNode} tree
 * ({@link #put}, {@link #merge}, the public constructor) or JSON text ({@link #putJson},
 * {@link #mergeJson}). The text form is the fast path for callers that already hold JSON (a world
 * server's serialised state, an HTTP body): the store checks it in one streaming pass and appends
 * the bytes exactly as sent, without building a tree or serialising one again. Both forms obey
 * the same rules and fail with the same error codes; text that is not one well-formed JSON value
 * fails with {@link ErrorCode#INVALID_JSON} when the change is written.
 *
 * <p>Immutable and thread-safe, provided the caller does not modify a payload it handed over
 * (neither the tree nor the byte array is copied).
 */
public final class Change {
    private final Key key;
    private final Op op;
    private final JsonNode tree;
    private final byte[] json;
    private final Condition condition;
    private final String actor;
    private final String idempotencyKey;
    /** The tree parsed from {@link #json} on the first {@link #payload()} call. */
    private volatile JsonNode parsed;

    /**
     * A change with a tree payload.
     *
     * @param key the key to change; not null
     * @param op what to do; not null
     * @param payload the new value (PUT), the merge patch (MERGE) or {@code null} (DELETE)
     * @param condition when the change applies; not null
     * @param actor who asked for the change (an API key name, a user, a server); {@code null}
     *     means the store's node
     * @throws NullPointerException if {@code key}, {@code op} or {@code condition} is null
     * @throws IllegalArgumentException if a DELETE carries a payload or a PUT/MERGE lacks one
     */
    public Change(Key key, Op op, JsonNode payload, Condition condition, String actor) {
        this(key, op, payload, null, null, condition, actor, null);
    }

    private Change(Key key, Op op, JsonNode tree, byte[] json, JsonNode parsed, Condition condition, String actor,
            String idempotencyKey) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(condition, "condition");
        boolean hasPayload = tree != null || json != null;
        if (op == Op.DELETE && hasPayload) {
            throw new IllegalArgumentException("a delete carries no payload");
        }
        if (op != Op.DELETE && !hasPayload) {
            throw new IllegalArgumentException(op.wireName() + " needs a payload");
        }
        this.key = key;
        this.op = op;
        this.tree = tree;
        this.json = json;
        this.parsed = parsed;
        this.condition = condition;
        this.actor = actor;
        this.idempotencyKey = idempotencyKey;
    }

    /** Replaces the value at {@code key}; unconditional, no actor. @throws IllegalArgumentException if {@code value} is null */
    public static Change put(Key key, JsonNode value) {
        return new Change(key, Op.PUT, value, Condition.any(), null);
    }

    /**
     * Replaces the value at {@code key} with JSON the caller already holds as UTF-8 bytes;
     * unconditional, no actor. The array is not copied: the caller hands it over and must not
     * modify it afterwards (sharing one array among many changes is fine). Well-formedness is
     * checked when the change is written, not here.
     *
     * @throws IllegalArgumentException if {@code utf8Json} is null
     */
    public static Change putJson(Key key, byte[] utf8Json) {
        return new Change(key, Op.PUT, null, utf8Json, null, Condition.any(), null, null);
    }

    /**
     * Replaces the value at {@code key} with JSON text; as {@link #putJson(Key, byte[])} with the
     * text's UTF-8 encoding.
     *
     * @throws IllegalArgumentException if {@code json} is null
     */
    public static Change putJson(Key key, String json) {
        return putJson(key, utf8(json));
    }

    /** Applies an RFC 7396 merge patch; unconditional, no actor. @throws IllegalArgumentException if {@code patch} is null */
    public static Change merge(Key key, JsonNode patch) {
        return new Change(key, Op.MERGE, patch, Condition.any(), null);
    }

    /**
     * Applies an RFC 7396 merge patch given as UTF-8 JSON bytes; the array is handed over as for
     * {@link #putJson(Key, byte[])}.
     *
     * @throws IllegalArgumentException if {@code utf8Json} is null
     */
    public static Change mergeJson(Key key, byte[] utf8Json) {
        return new Change(key, Op.MERGE, null, utf8Json, null, Condition.any(), null, null);
    }

    /**
     * Applies an RFC 7396 merge patch given as JSON text.
     *
     * @throws IllegalArgumentException if {@code json} is null
     */
    public static Change mergeJson(Key key, String json) {
        return mergeJson(key, utf8(json));
    }

    /** Removes the value at {@code key}; unconditional, no actor. */
    public static Change delete(Key key) {
        return new Change(key, Op.DELETE, null, Condition.any(), null);
    }

    private static byte[] utf8(String json) {
        return json == null ? null : json.getBytes(StandardCharsets.UTF_8);
    }

    /** This change under {@code newCondition} (not null); the payload keeps its form. */
    public Change withCondition(Condition newCondition) {
        return new Change(key, op, tree, json, parsed, newCondition, actor, idempotencyKey);
    }

    /** This change on behalf of {@code newActor} ({@code null}: the store's node); the payload keeps its form. */
    public Change withActor(String newActor) {
        return new Change(key, op, tree, json, parsed, condition, newActor, idempotencyKey);
    }

    /**
     * This change carrying an idempotency key ({@code null}: none). Of the writes to one world that
     * carry the same key within {@code idempotency.window.ms}, the projector applies only the first
     * it applies; the others change nothing and complete with the first one's outcome
     * ({@link Saved#replayed()}). A write that was refused (a failed condition, say) changed nothing,
     * so a retry with its key is decided afresh. The key is checked when the change is written: 1 to
     * {@value IdempotencyKeys#MAX_LENGTH} printable ASCII characters ({@code 0x20}-{@code 0x7E}).
     * Modelled on the IETF httpapi draft "The Idempotency-Key HTTP Header Field".
     */
    public Change withIdempotencyKey(String key) {
        return new Change(this.key, op, tree, json, parsed, condition, actor, key);
    }

    /** The idempotency key, or {@code null}. */
    public String idempotencyKey() {
        return idempotencyKey;
    }

    /** The key to change; never null. */
    public Key key() {
        return key;
    }

    /** What to do; never null. */
    public Op op() {
        return op;
    }

    /**
     * The payload as a tree: the new value (PUT), the merge patch (MERGE) or {@code null} (DELETE).
     * For a change built from JSON text the text is parsed on the first call and the tree kept;
     * treat it as read-only, later calls return the same tree.
     *
     * @throws ValidationException {@link ErrorCode#INVALID_JSON} if the change was built from text
     *     that is not one well-formed JSON value
     */
    public JsonNode payload() {
        if (json == null) {
            return tree;
        }
        JsonNode p = parsed;
        if (p == null) {
            p = Json.parse(json);
            parsed = p;
        }
        return p;
    }

    /**
     * For the store's internal use: the JSON bytes this change was built from, the very array the
     * caller passed (not a copy; do not modify), or {@code null} for a change built from a tree
     * and for a delete. Not checked: the bytes may be malformed until the change is written.
     */
    public byte[] payloadJson() {
        return json;
    }

    /** When the change applies; never null. */
    public Condition condition() {
        return condition;
    }

    /** Who asked for the change, or {@code null} for the store's node. */
    public String actor() {
        return actor;
    }

    /**
     * Equal when key, operation, condition, actor and payload are equal, the payload compared in
     * the form it was given: trees by {@link JsonNode#equals}, text byte by byte. A change built
     * from text never equals one built from a tree.
     */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Change)) {
            return false;
        }
        Change c = (Change) o;
        return key.equals(c.key) && op == c.op && condition.equals(c.condition) && Objects.equals(actor, c.actor)
                && Objects.equals(tree, c.tree) && Arrays.equals(json, c.json) && Objects.equals(idempotencyKey, c.idempotencyKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, op, tree, Arrays.hashCode(json), condition, actor, idempotencyKey);
    }

    @Override
    public String toString() {
        String payload = json == null ? String.valueOf(tree) : new String(json, StandardCharsets.UTF_8);
        return "Change[key=" + key + ", op=" + op + ", payload=" + payload + ", condition=" + condition + ", actor=" + actor
                + (idempotencyKey == null ? "" : ", idempotencyKey=" + idempotencyKey) + "]";
    }
}
