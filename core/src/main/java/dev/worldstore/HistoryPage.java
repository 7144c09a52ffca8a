package dev.worldstore;

import java.util.List;
import java.util.OptionalLong;

/**
 * A page of a key's history, newest first.
 *
 * @param nextBefore pass as {@code before} to get the next (older) page; empty on the last page
 */
public record HistoryPage(List<HistoryEntry> items, OptionalLong nextBefore) {
    public HistoryPage {
        items = List.copyOf(items);
    }
}
