package dev.worldstore.projector;

import dev.worldstore.ChangeRecord;
import dev.worldstore.LogPosition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/** Log events as change feeds deliver them ({@link FeedHub} from memory, {@link SharedFeed} from the log). */
final class FeedRecords {
    private FeedRecords() {
    }

    /**
     * A log record as the feed delivers it: a change alone is one record; a batch goes out whole, its
     * changes in order at one position, leaving out those that changed nothing ({@code skipped}).
     */
    static List<ChangeRecord> of(LogPosition position, LogEvent event, long eventTimeMs, BitSet skipped) {
        // the event time the projector derived (history's time), not the writer's clock
        Instant at = Instant.ofEpochMilli(eventTimeMs);
        if (event instanceof BatchEvent b) {
            List<BatchEvent.Item> items = b.items();
            int size = items.size() - skipped.cardinality();
            List<ChangeRecord> out = new ArrayList<>(size);
            for (int i = 0, index = 0; i < items.size(); i++) {
                if (skipped.get(i)) {
                    continue;
                }
                BatchEvent.Item it = items.get(i);
                out.add(new ChangeRecord(position, b.eventId(), it.key(), it.op(), it.buffer(), it.offset(), it.length(), at, b.origin(),
                        b.actor(), it.formatVersion(), index++, size));
            }
            return out;
        }
        ChangeEvent e = (ChangeEvent) event;
        return List.of(new ChangeRecord(position, e.eventId(), e.key(), e.op(), e.payload(), at, e.origin(), e.actor(), e.formatVersion()));
    }
}
