package dev.worldstore.bench;

import dev.worldstore.loadgen.Latency;
import java.util.List;
import java.util.Optional;

/**
 * A worldstore row measured against a peer or a raw-limit row, optionally with the target.
 *
 * @param bound the target ratio ({@code >=} for throughput, {@code <=} for p99), or {@code null} for context only
 */
record Comparison(Row subject, Row reference, Metric metric, Double bound) {

    enum Metric {
        /** subject ops/s ÷ reference ops/s; higher is better. */
        THROUGHPUT,
        /** subject p99 ÷ reference p99; lower is better. */
        P99
    }

    /** The targets first, then context ratios. Throughput-based unless marked P99. */
    static final List<Comparison> ALL = List.of(
            target(Row.WS_CATCHUP, Row.KS_DEFAULT, 3),
            target(Row.WS_CATCHUP, Row.KS_TUNED, 3),
            target(Row.WS_CATCHUP, Row.RAW_CONSUME, 0.6),
            target(Row.WS_SAVE, Row.RAW_PRODUCE, 0.7),
            new Comparison(Row.WS_SAVE_RATE, Row.RAW_PRODUCE_RATE, Metric.P99, 1.3),
            target(Row.WS_LOAD, Row.RAW_ROCKS_GET, 0.7),
            target(Row.WS_LOAD, Row.KS_QUERY, 1),
            target(Row.WS_SAVE, Row.SQLITE_NORMAL_TXN, 3),
            target(Row.WS_SAVE_FSYNC, Row.SQLITE_FULL_TXN, 10),
            context(Row.WS_SAVE, Row.SQLITE_NORMAL_BATCH),
            context(Row.WS_SAVE_SEQ, Row.SQLITE_NORMAL_TXN),
            context(Row.WS_SAVE_SEQ, Row.RAW_PRODUCE_SEQ),
            context(Row.WS_SAVE_FSYNC, Row.SQLITE_FULL_BATCH),
            context(Row.WS_SAVE_FSYNC, Row.RAW_PRODUCE_FSYNC),
            context(Row.WS_SAVE_FSYNC_SEQ, Row.SQLITE_FULL_TXN),
            context(Row.WS_SAVE_FSYNC_SEQ, Row.RAW_PRODUCE_FSYNC_SEQ),
            context(Row.WS_CATCHUP, Row.KS_RESTORE),
            context(Row.WS_CATCHUP, Row.RAW_ROCKS_PUT),
            context(Row.WS_LOAD, Row.SQLITE_LOAD_2),
            context(Row.WS_LOAD_HTTP, Row.KS_QUERY),
            context(Row.WS_LOAD_HTTP, Row.SQLITE_LOAD_2),
            context(Row.WS_LOAD_HTTP, Row.RAW_ROCKS_GET));

    private static Comparison target(Row subject, Row reference, double bound) {
        return new Comparison(subject, reference, Metric.THROUGHPUT, bound);
    }

    private static Comparison context(Row subject, Row reference) {
        return new Comparison(subject, reference, Metric.THROUGHPUT, null);
    }

    boolean againstRaw() {
        return reference.name().startsWith("RAW_");
    }

    boolean isTarget() {
        return bound != null;
    }

    /** The ratio, if both rows were measured (and, for p99, both have latencies). */
    Optional<Double> ratio(Results results) {
        Optional<Sample> s = results.get(subject);
        Optional<Sample> r = results.get(reference);
        if (s.isEmpty() || r.isEmpty()) {
            return Optional.empty();
        }
        if (metric == Metric.THROUGHPUT) {
            double ref = r.get().opsPerSecond();
            return ref > 0 ? Optional.of(s.get().opsPerSecond() / ref) : Optional.empty();
        }
        long ref = r.get().percentile(99);
        long sub = s.get().percentile(99);
        return ref > 0 && sub >= 0 ? Optional.of((double) sub / ref) : Optional.empty();
    }

    boolean met(double ratio) {
        return metric == Metric.THROUGHPUT ? ratio >= bound : ratio <= bound;
    }

    /** "3.2× KS tuned" or "p99 1.1× bare producer". */
    String cell(double ratio, Options o) {
        return (metric == Metric.P99 ? "p99 " : "") + Latency.ratio(ratio) + " " + reference.shortName(o);
    }

    /** "projector catch-up, fresh node ≥ 3× KS tuned". */
    String targetText(Options o) {
        String what = metric == Metric.P99 ? subject.operation(o) + ": p99" : subject.operation(o);
        return what + (metric == Metric.P99 ? " ≤ " : " ≥ ") + Latency.ratio(bound) + " " + reference.shortName(o)
                + (metric == Metric.P99 ? " p99" : "");
    }
}
