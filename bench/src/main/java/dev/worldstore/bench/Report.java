package dev.worldstore.bench;

import dev.worldstore.loadgen.Latency;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Prints a run as markdown: facts, the comparison table, and the targets with their verdicts. */
final class Report {
    private final Options options;
    private final Results results;

    Report(Options options, Results results) {
        this.options = options;
        this.results = results;
    }

    void print(PrintWriter out, List<String> facts) {
        out.println("## worldstore compare");
        out.println();
        facts.forEach(f -> out.println("- " + f));
        out.println();
        out.println("| contender | operation | ops | ops/s | p50 | p99 | p99.9 | worldstore / peer | worldstore / raw |");
        out.println("|---|---|---:|---:|---:|---:|---:|---|---|");
        for (Row row : Row.values()) {
            out.println(tableRow(row));
        }
        out.println();
        printSweep(out);
        out.println("Targets of the issues (ratios of this run, or absolute rates; worldstore \"many callers\" saves = "
                + Latency.count(options.inFlight()) + " writeAsync in flight, SQLite = one thread, one transaction per save unless "
                + "the row says batched; batch rows count changes):");
        out.println();
        out.println("| target | measured | raw limit in this run | met |");
        out.println("|---|---:|---|---|");
        for (Comparison c : Comparison.ALL) {
            if (c.isTarget()) {
                Optional<Double> r = c.ratio(results);
                Optional<Double> limit = c.limit(results);
                String limitCell = limit.map(l -> c.measured(l) + " (" + c.limitRow().orElseThrow().shortName(options) + ")").orElse("");
                boolean above = limit.map(c::aboveLimit).orElse(false);
                out.println("| " + c.targetText(options) + " | " + r.map(c::measured).orElse("-") + " | " + limitCell + " | "
                        + r.map(v -> c.met(v) ? "yes" : above ? "**no** (above the raw limit)" : "**no**").orElse("not measured") + " |");
            }
        }
        if (java.util.Arrays.stream(Row.values()).anyMatch(r -> results.skipped(r).isPresent())) {
            out.println();
            for (Row row : Row.values()) {
                results.skipped(row).ifPresent(reason -> out.println("- skipped: " + row.contender + " / " + row.operation(options) + ": "
                        + reason));
            }
        }
        if (results.errors() > 0) {
            out.println();
            for (Row row : Row.values()) {
                results.get(row).filter(s -> s.errors() > 0).ifPresent(s -> out.println("- FAILED operations in "
                        + row.contender + " / " + row.operation(options) + ": " + Latency.count(s.errors()) + ", first: " + s.firstError()));
            }
        }
        out.flush();
    }

    private String tableRow(Row row) {
        Optional<Sample> s = results.get(row);
        List<String> cells = new ArrayList<>(List.of(row.contender, row.operation(options)));
        if (s.isEmpty()) {
            cells.addAll(List.of("-", results.skipped(row).isPresent() ? "skipped" : "not run", "-", "-", "-", "", ""));
        } else {
            Sample v = s.get();
            cells.add(Latency.count(v.ops()));
            cells.add(Latency.count(Math.round(v.opsPerSecond())));
            for (double p : new double[] {50, 99, 99.9}) {
                cells.add(row.latency ? Latency.format(v.percentile(p)) : "-");
            }
            cells.add(ratios(row, false));
            cells.add(ratios(row, true));
        }
        return "| " + String.join(" | ", cells) + " |";
    }

    /**
     * The producer sweep: each batching setting, the bare producer and worldstore with the same
     * settings, side by side (256 in flight, latency at the offered rate, one sequential caller).
     */
    private void printSweep(PrintWriter out) {
        if (Linger.SWEEP.stream().allMatch(l -> results.get(l, Results.SweepCell.WS_MANY).isEmpty())) {
            return;
        }
        String many = Latency.count(options.inFlight()) + " in flight";
        String rate = "p50 / p99 at " + Latency.count(options.rate()) + "/s";
        out.println("Producer batching sweep (same run; the bare producer and worldstore with the same producer settings; "
                + "worldstore's default is marked *):");
        out.println();
        out.println("| producer setting | bare: " + many + " | worldstore: " + many + " | ratio | bare: " + rate + " | worldstore: "
                + rate + " | bare: 1 caller | worldstore: 1 caller |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Linger l : Linger.SWEEP) {
            Optional<Sample> bm = results.get(l, Results.SweepCell.BARE_MANY);
            Optional<Sample> wm = results.get(l, Results.SweepCell.WS_MANY);
            String ratio = bm.isPresent() && wm.isPresent() && bm.get().opsPerSecond() > 0
                    ? Latency.ratio(wm.get().opsPerSecond() / bm.get().opsPerSecond()) : "-";
            out.println("| " + l.label() + (l.isDefault() ? " *" : "") + " | " + rateCell(bm) + " | " + rateCell(wm) + " | " + ratio + " | "
                    + latencyCell(results.get(l, Results.SweepCell.BARE_RATE)) + " | " + latencyCell(results.get(l, Results.SweepCell.WS_RATE))
                    + " | " + rateCell(results.get(l, Results.SweepCell.BARE_SEQ)) + " | " + rateCell(results.get(l, Results.SweepCell.WS_SEQ))
                    + " |");
        }
        out.println();
    }

    private static String rateCell(Optional<Sample> s) {
        return s.map(v -> Latency.count(Math.round(v.opsPerSecond())) + "/s").orElse("-");
    }

    private static String latencyCell(Optional<Sample> s) {
        return s.map(v -> Latency.format(v.percentile(50)) + " / " + Latency.format(v.percentile(99))).orElse("-");
    }

    private String ratios(Row row, boolean raw) {
        List<String> parts = new ArrayList<>();
        for (Comparison c : Comparison.ALL) {
            if (c.subject() == row && c.isRatio() && c.againstRaw() == raw) {
                c.ratio(results).ifPresent(r -> parts.add(c.cell(r, options)));
            }
        }
        return String.join("; ", parts);
    }
}
