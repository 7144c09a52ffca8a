package dev.worldstore;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of an applied batch: one change event, so one log position, and every key's new
 * version (the batch's offset) in the order the changes were given.
 *
 * @param position where the batch sits in the log; pass it to a load to read the batch anywhere
 * @param saved one entry per change, in request order
 */
public record BatchSaved(LogPosition position, List<Saved> saved) {
    public BatchSaved {
        Objects.requireNonNull(position, "position");
        saved = List.copyOf(saved);
    }
}
