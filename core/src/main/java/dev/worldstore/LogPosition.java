package dev.worldstore;

/**
 * A position in the change log: a partition and an offset in it. Written as {@code "3-1042"}
 * (partition, dash, offset) in headers and on the command line.
 */
public record LogPosition(int partition, long offset) {
    public LogPosition {
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
    }

    /**
     * Parses {@code "partition-offset"}.
     *
     * @throws IllegalArgumentException naming the rule when {@code text} is not of that form
     */
    public static LogPosition parse(String text) {
        int dash = text == null ? -1 : text.indexOf('-');
        if (dash <= 0 || dash == text.length() - 1) {
            throw new IllegalArgumentException("a log position is written partition-offset, e.g. 0-42; was: " + text);
        }
        try {
            return new LogPosition(Integer.parseInt(text.substring(0, dash)), Long.parseLong(text.substring(dash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a log position is written partition-offset, e.g. 0-42; was: " + text);
        }
    }

    @Override
    public String toString() {
        return partition + "-" + offset;
    }
}
