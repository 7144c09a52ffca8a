package dev.worldstore.bench;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The samples of one run by {@link Row}, rows skipped with their reason, and the cells of the
 * producer sweep by setting; rounds of the same row or cell are merged. Not thread-safe.
 */
final class Results {
    /** What the producer sweep measures of each setting, for the bare producer and for worldstore. */
    enum SweepCell {
        BARE_MANY, WS_MANY, BARE_RATE, WS_RATE, BARE_SEQ, WS_SEQ
    }

    private final Map<Row, Sample> samples = new EnumMap<>(Row.class);
    private final Map<Row, String> skipped = new EnumMap<>(Row.class);
    private final Map<Linger, Map<SweepCell, Sample>> sweep = new LinkedHashMap<>();

    void add(Row row, Sample sample) {
        samples.merge(row, sample, Sample::merge);
    }

    Optional<Sample> get(Row row) {
        return Optional.ofNullable(samples.get(row));
    }

    /** Marks {@code row} as not run, for {@code reason} (e.g. a peer that is not installed). */
    void skip(Row row, String reason) {
        skipped.put(row, reason);
    }

    Optional<String> skipped(Row row) {
        return Optional.ofNullable(skipped.get(row));
    }

    void add(Linger setting, SweepCell cell, Sample sample) {
        sweep.computeIfAbsent(setting, s -> new EnumMap<>(SweepCell.class)).merge(cell, sample, Sample::merge);
    }

    Optional<Sample> get(Linger setting, SweepCell cell) {
        return Optional.ofNullable(sweep.getOrDefault(setting, Map.of()).get(cell));
    }

    long errors() {
        long n = samples.values().stream().mapToLong(Sample::errors).sum();
        for (Map<SweepCell, Sample> cells : sweep.values()) {
            n += cells.values().stream().mapToLong(Sample::errors).sum();
        }
        return n;
    }
}
