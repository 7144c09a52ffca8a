package dev.worldstore.projector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.worldstore.Json;
import java.util.Map;

/** JSON Merge Patch, RFC 7396. Pure: never changes its arguments. */
final class MergePatch {
    private MergePatch() {
    }

    /**
     * Applies {@code patch} to {@code target} as RFC 7396 section 2 defines it.
     *
     * @param target the current value, or {@code null} when absent
     * @return the patched value; {@link NullNode} when the patch is {@code null}
     */
    static JsonNode apply(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : Json.object();
        mergeInto(result, (ObjectNode) patch);
        return result;
    }

    /** Applies an object patch to {@code result}, which this call owns and changes in place. */
    private static void mergeInto(ObjectNode result, ObjectNode patch) {
        for (Map.Entry<String, JsonNode> f : patch.properties()) {
            JsonNode value = f.getValue();
            if (value.isNull()) {
                result.remove(f.getKey());
            } else if (value.isObject()) {
                JsonNode current = result.get(f.getKey());
                ObjectNode child = current != null && current.isObject() ? (ObjectNode) current : Json.object();
                mergeInto(child, (ObjectNode) value);
                result.set(f.getKey(), child);
            } else {
                result.set(f.getKey(), value.deepCopy());
            }
        }
    }
}
