package dev.worldstore.bench;

import dev.worldstore.loadgen.Latency;
import java.util.List;
import java.util.Optional;

/**
 * A worldstore row measured against a peer or a raw-limit row, optionally with the target;
 * or ({@link Metric#ABSOLUTE}) a worldstore row's own throughput against an absolute target.
 *
 * @param reference the row compared with; {@code null} for {@link Metric#ABSOLUTE}
 * @param bound the target ratio ({@code >=} for throughput, {@code <=} for p99) or, for
 *     {@link Metric#ABSOLUTE}, ops per second ({@code >=}); {@code null} for context only
 */
record Comparison(Row subject, Row reference, Metric metric, Double bound) {

    enum Metric {
        /** subject ops/s ÷ reference ops/s; higher is better. */
        THROUGHPUT,
        /** subject p99 ÷ reference p99; lower is better. */
        P99,
        /** subject ops/s itself, against a target in ops/s; higher is better. No ratio cell in the table. */
        ABSOLUTE
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
            target(Row.WS_BATCH_SAVE, Row.SQLITE_ENTITY_BATCH, 2),
            new Comparison(Row.WS_BATCH_CATCHUP, null, Metric.ABSOLUTE, Options.BATCH_CATCHUP_TARGET),
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
        return reference != null && reference.name().startsWith("RAW_");
    }

    /** Whether the table shows this as a ratio next to its subject (not for absolute targets). */
    boolean isRatio() {
        return metric != Metric.ABSOLUTE;
    }

    boolean isTarget() {
        return bound != null;
    }

    /**
     * The ratio, if both rows were measured (and, for p99, both have latencies); for
     * {@link Metric#ABSOLUTE}, the subject's ops per second if it was measured.
     */
    Optional<Double> ratio(Results results) {
        Optional<Sample> s = results.get(subject);
        if (metric == Metric.ABSOLUTE) {
            return s.map(Sample::opsPerSecond);
        }
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
        return metric == Metric.P99 ? ratio <= bound : ratio >= bound;
    }

    /** The measured value as the targets table shows it: a ratio, or ops per second for an absolute target. */
    String measured(double ratio) {
        return metric == Metric.ABSOLUTE ? Latency.rate(ratio) : Latency.ratio(ratio);
    }

    /** "3.2× KS tuned" or "p99 1.1× bare producer". */
    String cell(double ratio, Options o) {
        return (metric == Metric.P99 ? "p99 " : "") + Latency.ratio(ratio) + " " + reference.shortName(o);
    }

    /** "projector catch-up, fresh node ≥ 3× KS tuned"; "... ≥ 250,000/s" for an absolute target. */
    String targetText(Options o) {
        if (metric == Metric.ABSOLUTE) {
            return subject.operation(o) + " ≥ " + Latency.rate(bound);
        }
        String what = metric == Metric.P99 ? subject.operation(o) + ": p99" : subject.operation(o);
        return what + (metric == Metric.P99 ? " ≤ " : " ≥ ") + Latency.ratio(bound) + " " + reference.shortName(o)
                + (metric == Metric.P99 ? " p99" : "");
    }
}
