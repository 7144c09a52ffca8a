package dev.worldstore;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a {@link Scan}.
 *
 * @param next the cursor of the next page, empty on the last page
 */
public record Page(List<Entry> items, Optional<String> next) {
    public Page {
        items = List.copyOf(items);
        Objects.requireNonNull(next, "next");
    }

    /** One listed key with its stored value. */
    public record Entry(Key key, Stored stored) {
        public Entry {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(stored, "stored");
        }
    }
}
