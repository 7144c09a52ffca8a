package dev.worldstore;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One requested change: what to do to which key, under which condition, on whose behalf.
 *
 * @param payload the new value (PUT), the merge patch (MERGE) or {@code null} (DELETE)
 * @param actor who asked for the change (an API key name, a user, a server); {@code null} means
 *     the store's node
 */
public record Change(Key key, Op op, JsonNode payload, Condition condition, String actor) {
    public Change {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(condition, "condition");
        if (op == Op.DELETE && payload != null) {
            throw new IllegalArgumentException("a delete carries no payload");
        }
        if (op != Op.DELETE && payload == null) {
            throw new IllegalArgumentException(op.wireName() + " needs a payload");
        }
    }

    public static Change put(Key key, JsonNode value) {
        return new Change(key, Op.PUT, value, Condition.any(), null);
    }

    public static Change merge(Key key, JsonNode patch) {
        return new Change(key, Op.MERGE, patch, Condition.any(), null);
    }

    public static Change delete(Key key) {
        return new Change(key, Op.DELETE, null, Condition.any(), null);
    }

    public Change withCondition(Condition newCondition) {
        return new Change(key, op, payload, newCondition, actor);
    }

    public Change withActor(String newActor) {
        return new Change(key, op, payload, condition, newActor);
    }
}
