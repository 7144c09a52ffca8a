package dev.worldstore.bench;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** The samples of one run by {@link Row}; rounds of the same row are merged. Not thread-safe. */
final class Results {
    private final Map<Row, Sample> samples = new EnumMap<>(Row.class);

    void add(Row row, Sample sample) {
        samples.merge(row, sample, Sample::merge);
    }

    Optional<Sample> get(Row row) {
        return Optional.ofNullable(samples.get(row));
    }

    long errors() {
        return samples.values().stream().mapToLong(Sample::errors).sum();
    }
}
