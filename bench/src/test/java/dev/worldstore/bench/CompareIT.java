package dev.worldstore.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Smoke test of the harness, not of performance: a tiny {@code --compare --quick} run produces every row. */
class CompareIT {

    @Test
    void quickCompareRunsEveryContenderAndPrintsTheTable() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new CompareMain()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));

        int exit = cli.execute("--compare", "--quick");

        String report = out.toString();
        assertEquals(0, exit, () -> "exit code; stderr:\n" + err + "\nreport:\n" + report);
        assertTrue(report.contains("| contender | operation | ops | ops/s | p50 | p99 | p99.9 | worldstore / peer | worldstore / raw |"), report);
        List<String> lines = Arrays.asList(report.split("\n"));
        CompareMain quickMain = new CompareMain();
        quickMain.quick = true;
        Options quick = quickMain.options();
        for (Row row : Row.values()) {
            String prefix = "| " + row.contender + " | " + row.operation(quick) + " | ";
            String line = lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElse(null);
            assertTrue(line != null, () -> "no table row for " + row + "\n" + report);
            assertFalse(line.contains("not run"), () -> row + " did not run: " + line + "\nstderr:\n" + err);
            if (row.isPostgres() && line.contains("skipped")) {
                // where PostgreSQL is not installed its rows are skipped, saying why
                assertTrue(report.contains("- skipped: " + row.contender + " / " + row.operation(quick) + ": "), report);
            }
        }
        for (Linger setting : Linger.SWEEP) {
            assertTrue(report.contains("| " + setting.label() + (setting.isDefault() ? " *" : "") + " | "),
                    () -> "no sweep row for " + setting + "\n" + report);
        }
        assertTrue(report.contains("| target | measured | raw limit in this run | met |"), report);
        assertFalse(report.contains("FAILED"), report);
    }
}
