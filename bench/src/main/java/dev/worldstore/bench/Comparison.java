package dev.worldstore.bench;

import dev.worldstore.loadgen.Latency;
import java.util.List;
import java.util.Optional;

/**
 * A worldstore row measured against a peer or a raw-limit row, optionally with the target;
 * or a worldstore row's own throughput ({@link Metric#ABSOLUTE}) or latency ({@link Metric#P50_MAX},
 * {@link Metric#P99_MAX}) against an absolute target.
 *
 * @param reference the row compared with; {@code null} for the absolute metrics
 * @param bound the target ratio ({@code >=} for throughput, {@code <=} for p99), or for
 *     {@link Metric#ABSOLUTE} ops per second ({@code >=}), or for {@link Metric#P50_MAX} and
 *     {@link Metric#P99_MAX} milliseconds ({@code <=}); {@code null} for context only
 */
record Comparison(Row subject, Row reference, Metric metric, Double bound) {

    enum Metric {
        /** subject ops/s ÷ reference ops/s; higher is better. */
        THROUGHPUT,
        /** subject p99 ÷ reference p99; lower is better. */
        P99,
        /** subject ops/s itself, against a target in ops/s; higher is better. No ratio cell in the table. */
        ABSOLUTE,
        /** subject p50 in ms, against a target; lower is better. No ratio cell. */
        P50_MAX,
        /** subject p99 in ms, against a target; lower is better. No ratio cell. */
        P99_MAX
    }

    /** The issues' targets first (issue 15's, then the earlier ones still in force), then context ratios. */
    static final List<Comparison> ALL = List.of(
            target(Row.WS_SAVE, Row.RAW_PRODUCE, 0.9),
            new Comparison(Row.WS_SAVE_RATE, null, Metric.P50_MAX, 2.0),
            new Comparison(Row.WS_SAVE_RATE, null, Metric.P99_MAX, 8.0),
            new Comparison(Row.WS_SAVE_SEQ, null, Metric.ABSOLUTE, 500.0),
            target(Row.WS_CATCHUP, Row.RAW_ROCKS_PUT, 0.6),
            target(Row.WS_CATCHUP, Row.KS_TUNED, 1.5),
            target(Row.WS_HTTP_GET, Row.RAW_HTTP_GET, 0.7),
            target(Row.WS_HTTP_PUT, Row.RAW_HTTP_PUT, 0.5),
            new Comparison(Row.WS_HTTP_GET, null, Metric.ABSOLUTE, 20_000.0),
            new Comparison(Row.WS_HTTP_PUT, null, Metric.ABSOLUTE, 10_000.0),
            target(Row.WS_LOAD, Row.RAW_ROCKS_GET, 0.7),
            target(Row.WS_LOAD, Row.KS_QUERY, 1),
            target(Row.WS_BATCH_SAVE, Row.SQLITE_ENTITY_BATCH, 2),
            new Comparison(Row.WS_BATCH_CATCHUP, null, Metric.ABSOLUTE, Options.BATCH_CATCHUP_TARGET),
            new Comparison(Row.WS_SAVE_RATE, Row.RAW_PRODUCE_RATE, Metric.P99, null),
            context(Row.WS_SAVE, Row.SQLITE_NORMAL_TXN),
            context(Row.WS_SAVE, Row.SQLITE_NORMAL_BATCH),
            context(Row.WS_SAVE, Row.PG_TXN_ON),
            context(Row.WS_SAVE, Row.PG_TXN_OFF),
            context(Row.WS_SAVE, Row.PG_BATCH),
            context(Row.WS_SAVE_SEQ, Row.SQLITE_NORMAL_TXN),
            context(Row.WS_SAVE_SEQ, Row.PG_TXN_ON),
            context(Row.WS_SAVE_SEQ, Row.RAW_PRODUCE_SEQ),
            context(Row.WS_SAVE_FSYNC, Row.SQLITE_FULL_TXN),
            context(Row.WS_SAVE_FSYNC, Row.SQLITE_FULL_BATCH),
            context(Row.WS_SAVE_FSYNC, Row.PG_TXN_ON),
            context(Row.WS_SAVE_FSYNC, Row.RAW_PRODUCE_FSYNC),
            context(Row.WS_SAVE_FSYNC_SEQ, Row.SQLITE_FULL_TXN),
            context(Row.WS_SAVE_FSYNC_SEQ, Row.RAW_PRODUCE_FSYNC_SEQ),
            context(Row.WS_CATCHUP, Row.KS_DEFAULT),
            context(Row.WS_CATCHUP, Row.KS_RESTORE),
            context(Row.WS_CATCHUP, Row.RAW_CONSUME),
            context(Row.WS_LOAD, Row.SQLITE_LOAD_2),
            context(Row.WS_LOAD, Row.PG_LOAD_2),
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
        return reference != null;
    }

    boolean isTarget() {
        return bound != null;
    }

    /**
     * The ratio, if both rows were measured (and, for p99, both have latencies); for
     * {@link Metric#ABSOLUTE}, the subject's ops per second, and for the latency metrics its p50 or
     * p99 in milliseconds, if it was measured.
     */
    Optional<Double> ratio(Results results) {
        Optional<Sample> s = results.get(subject);
        switch (metric) {
            case ABSOLUTE -> {
                return s.map(Sample::opsPerSecond);
            }
            case P50_MAX, P99_MAX -> {
                long nanos = s.map(v -> v.percentile(metric == Metric.P50_MAX ? 50 : 99)).orElse(-1L);
                return nanos < 0 ? Optional.empty() : Optional.of(nanos / 1e6);
            }
            default -> {
                // ratios below
            }
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

    /**
     * The raw-limit row that bounds what the subject can reach, where the target's reference is not
     * itself the raw limit: the bare producer for save latencies and a sequential caller, bare Javalin
     * for HTTP rates, bare RocksDB (the projector's writes) for catch-up against a peer.
     */
    Optional<Row> limitRow() {
        if (reference != null && reference.name().startsWith("RAW_")) {
            return Optional.empty();
        }
        return Optional.ofNullable(switch (subject) {
            case WS_SAVE_SEQ -> Row.RAW_PRODUCE_SEQ;
            case WS_SAVE_RATE -> Row.RAW_PRODUCE_RATE;
            case WS_HTTP_GET -> Row.RAW_HTTP_GET;
            case WS_HTTP_PUT -> Row.RAW_HTTP_PUT;
            case WS_CATCHUP -> Row.RAW_ROCKS_PUT;
            case WS_SAVE -> Row.RAW_PRODUCE;
            default -> null;
        });
    }

    /**
     * What the raw limit of this run allows, in the target's unit (ops/s, ms, or the ratio to the
     * reference that the raw limit reaches), if both were measured.
     */
    Optional<Double> limit(Results results) {
        Optional<Sample> raw = limitRow().flatMap(results::get);
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        return switch (metric) {
            case ABSOLUTE -> Optional.of(raw.get().opsPerSecond());
            case P50_MAX, P99_MAX -> {
                long nanos = raw.get().percentile(metric == Metric.P50_MAX ? 50 : 99);
                yield nanos < 0 ? Optional.empty() : Optional.of(nanos / 1e6);
            }
            case THROUGHPUT -> results.get(reference).filter(r -> r.opsPerSecond() > 0)
                    .map(r -> raw.get().opsPerSecond() / r.opsPerSecond());
            case P99 -> Optional.empty();
        };
    }

    /** True if even the raw limit of this run misses the target (no client of these parts can meet it here). */
    boolean aboveLimit(double limit) {
        return !met(limit);
    }

    boolean met(double value) {
        return metric == Metric.P99 || metric == Metric.P50_MAX || metric == Metric.P99_MAX ? value <= bound : value >= bound;
    }

    /** The measured value as the targets table shows it: a ratio, ops per second, or milliseconds. */
    String measured(double value) {
        return switch (metric) {
            case ABSOLUTE -> Latency.rate(value);
            case P50_MAX, P99_MAX -> Latency.format(Math.round(value * 1e6));
            default -> Latency.ratio(value);
        };
    }

    /** "3.2× KS tuned" or "p99 1.1× bare producer". */
    String cell(double ratio, Options o) {
        return (metric == Metric.P99 ? "p99 " : "") + Latency.ratio(ratio) + " " + reference.shortName(o);
    }

    /** "projector catch-up, fresh node ≥ 3× KS tuned"; "... ≥ 250,000/s" or "...: p99 ≤ 8 ms" for an absolute target. */
    String targetText(Options o) {
        return switch (metric) {
            case ABSOLUTE -> subject.operation(o) + " ≥ " + Latency.rate(bound);
            case P50_MAX -> subject.operation(o) + ": p50 ≤ " + Latency.format(Math.round(bound * 1e6));
            case P99_MAX -> subject.operation(o) + ": p99 ≤ " + Latency.format(Math.round(bound * 1e6));
            case P99 -> subject.operation(o) + ": p99 ≤ " + Latency.ratio(bound) + " " + reference.shortName(o) + " p99";
            case THROUGHPUT -> subject.operation(o) + " ≥ " + Latency.ratio(bound) + " " + reference.shortName(o);
        };
    }
}
