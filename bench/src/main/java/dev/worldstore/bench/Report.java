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
        out.println("Targets of the issues (ratios of this run, or absolute rates; worldstore \"many callers\" saves = "
                + Latency.count(options.inFlight()) + " writeAsync in flight, SQLite = one thread, one transaction per save unless "
                + "the row says batched; batch rows count changes):");
        out.println();
        out.println("| target | measured | met |");
        out.println("|---|---:|---|");
        for (Comparison c : Comparison.ALL) {
            if (c.isTarget()) {
                Optional<Double> r = c.ratio(results);
                out.println("| " + c.targetText(options) + " | " + r.map(c::measured).orElse("-") + " | "
                        + r.map(v -> c.met(v) ? "yes" : "**no**").orElse("not measured") + " |");
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
            cells.addAll(List.of("-", "not run", "-", "-", "-", "", ""));
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
