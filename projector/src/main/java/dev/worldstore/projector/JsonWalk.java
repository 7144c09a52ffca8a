package dev.worldstore.projector;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import dev.worldstore.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads JSON values token by token and refuses duplicate member names, for the checks that see
 * every value: the writer's ({@link Validator}) and the projector's ({@link RecordDecoder}, and
 * {@link BatchCodec} for the documents of world transactions, whose parser allows their values'
 * depth below the document's own).
 *
 * <p>Parsers come from {@link #parser}: the writer's JSON rules ({@link Json}: nesting at most
 * {@link Json#MAX_NESTING_DEPTH}, strings at most {@link Json#MAX_STRING_LENGTH}, everything else
 * Jackson's defaults) without Jackson's own duplicate-name tracking, which allocates a hash set for
 * every object of more than two members. Duplicates are found here instead: each open object's
 * names so far are kept on a stack and a new name is compared with its siblings (Jackson
 * canonicalises names, so a repeat is mostly the same {@code String} and found by identity before
 * {@code equals}); an object of more than {@value #SCANNED_MEMBERS} members moves to a hash set, so
 * a wide object costs no more than Jackson's own check. Nothing is allocated for ordinary values
 * once the stack has grown to them.
 *
 * <p>A duplicate is reported as a {@link JsonParseException} worded as Jackson words it
 * ({@code Duplicate field 'name'}). Not thread-safe: one per thread, or one per value.
 */
final class JsonWalk {
    private static final JsonFactory FACTORY = JsonFactory.builder()
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

    /** The member names of the open objects, innermost last. */
    private String[] names = new String[32];
    /** Per open container (outermost first), where its names start in {@link #names}. */
    private int[] starts = new int[8];
    /** Per open container, its names as a set once it has more than {@link #SCANNED_MEMBERS} (else null). */
    private Set<String>[] wide = newSets(8);
    /** Per level, a set kept for reuse by {@link #wide}. */
    private Set<String>[] spares = newSets(8);
    /** Open containers. */
    private int depth;
    /** Where the next name goes in {@link #names}. */
    private int top;

    /**
     * A parser over {@code length} bytes of {@code buf} from {@code offset} with the rules above
     * (no duplicate detection of its own: walk the value with {@link #value} or {@link #open}).
     */
    static JsonParser parser(byte[] buf, int offset, int length) {
        try {
            return FACTORY.createParser(buf, offset, length);
        } catch (IOException e) {
            throw new UncheckedIOException("a parser over a byte array cannot fail to open", e);
        }
    }

    /** Forgets every open container: call before reusing a walk whose last value failed midway. */
    void reset() {
        for (int d = 0; d < depth; d++) {
            wide[d] = null;
        }
        depth = 0;
        top = 0;
    }

    /**
     * Reads the rest of the value whose first token {@code first} was just read from {@code p}:
     * afterwards {@code p}'s current token is its last.
     *
     * @throws JsonParseException on a duplicate member name, or from the parser
     * @throws IOException from the parser
     */
    void value(JsonParser p, JsonToken first) throws IOException {
        if (first != JsonToken.START_OBJECT && first != JsonToken.START_ARRAY) {
            return; // a scalar: a string's text is skipped (and checked) by the next token
        }
        int base = depth;
        JsonToken t = first;
        do {
            switch (t) {
                case START_OBJECT, START_ARRAY -> open();
                case END_OBJECT, END_ARRAY -> close();
                case FIELD_NAME -> member(p.currentName(), p);
                default -> {
                }
            }
        } while (depth > base && (t = p.nextToken()) != null);
    }

    /** Opens a container whose start token was just read (its member names are checked from now on). */
    void open() {
        if (depth == starts.length) {
            int n = depth * 2;
            starts = Arrays.copyOf(starts, n);
            wide = Arrays.copyOf(wide, n);
            spares = Arrays.copyOf(spares, n);
        }
        starts[depth++] = top;
    }

    /** Closes the innermost open container, whose end token was just read. */
    void close() {
        top = starts[--depth];
        if (wide[depth] != null) {
            wide[depth].clear();
            wide[depth] = null;
        }
    }

    /**
     * Records member {@code name} of the innermost open object.
     *
     * @throws JsonParseException if that object already has a member of that name
     */
    void member(String name, JsonParser p) throws JsonParseException {
        int level = depth - 1;
        Set<String> set = wide[level];
        if (set != null) {
            if (!set.add(name)) {
                throw duplicate(name, p);
            }
            return;
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
            top = from;
            return;
        }
        if (top == names.length) {
            names = Arrays.copyOf(names, top * 2);
        }
        names[top++] = name;
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
}
