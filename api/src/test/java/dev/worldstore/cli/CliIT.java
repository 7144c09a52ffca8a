package dev.worldstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Runs `demo` and `bench --quick` in-process, each on its own embedded broker in a temp dir. */
class CliIT {

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(Map.of(), new PrintWriter(out), new PrintWriter(err), args);
        assertEquals(0, code, "exit code of " + String.join(" ", args) + "\nstdout:\n" + out + "\nstderr:\n" + err);
        return new String[] {out.toString(), err.toString()};
    }

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no match for " + regex + " in:\n" + text);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    @Test
    void demoShowsEachServerTheOthersChanges() {
        String out = run("demo", "--seconds=2")[0];

        assertTrue(number(out, "Server A on node A wrote ([\\d,]+) saves") > 0, out);
        assertTrue(number(out, "Server B on node B wrote ([\\d,]+) saves") > 0, out);
        for (String[] pair : new String[][] {{"A", "B"}, {"B", "A"}}) {
            String writer = pair[0];
            String reader = pair[1];
            assertTrue(out.contains("Node " + reader + " sees server " + writer + "'s changes:"), out);
            Matcher m = Pattern.compile("keys written by " + writer + ": (\\d+)/(\\d+) seen on node " + reader + ", (\\d+)/(\\d+) identical")
                    .matcher(out);
            assertTrue(m.find(), out);
            assertTrue(Integer.parseInt(m.group(2)) > 0, out);
            assertEquals(m.group(2), m.group(1), "every key seen: " + out);
            assertEquals(m.group(2), m.group(3), "every key identical: " + out);
        }
        assertTrue(out.contains("refused"), out);
        assertTrue(out.contains("no lost update"), out);
        assertTrue(number(out, "save \\(sync\\)\\s+([\\d,]+)") > 0, out);
        assertTrue(number(out, "load \\(read-your-writes\\)\\s+([\\d,]+)") > 0, out);
        assertTrue(out.lines().count() < 60, "short output: " + out.lines().count() + " lines");
    }

    @Test
    void quickBenchPrintsTheResultsTable() {
        String out = run("bench", "--quick")[0];

        assertTrue(out.contains("- command: `worldstore bench --quick`"), out);
        assertTrue(out.contains("- machine: "), out);
        assertTrue(out.contains("| measurement | ops | time | throughput | p50 | p99 | p99.9 | max |"), out);
        assertTrue(number(out, "\\| save throughput, \\d+ in flight \\| ([\\d,]+) \\|") > 0, out);
        assertTrue(number(out, "\\| save latency at [\\d,]+/s offered \\(from intended send time\\) \\| ([\\d,]+) \\|") > 0, out);
        assertTrue(number(out, "\\| load, LOCAL, \\d+ threads, random of [\\d,]+ keys \\| ([\\d,]+) \\|") > 0, out);
        assertTrue(number(out, "\\| projector catch-up, fresh node [^|]*\\| ([\\d,]+) events \\|") > 0, out);
        assertTrue(number(out, "\\| batch save \\(writeBatchAsync\\), 100 entities per batch, \\d+ in flight \\| ([\\d,]+) batches \\|") > 0, out);
        assertTrue(number(out, "\\| projector catch-up of batches, fresh node [^|]*\\| [\\d,]+ events, ([\\d,]+) changes \\|") > 0, out);
        assertTrue(out.contains("Targets (issue 11): projector catch-up of batch events ≥ 250,000 changes/s"), out);
    }

    @Test
    void quickHttpBenchPrintsTheHttpTable() {
        String out = run("bench", "--http", "--quick")[0];

        assertTrue(out.contains("## worldstore bench --http"), out);
        assertTrue(out.contains("- command: `worldstore bench --http --quick`"), out);
        assertTrue(out.contains("- machine: "), out);
        assertTrue(out.contains("| measurement | ops | errors | time | throughput | p50 | p99 | p99.9 | max |"), out);
        assertTrue(number(out, "\\| GET player state, max rate, 8 connections \\| ([\\d,]+) \\| 0 \\|") > 0, out);
        assertTrue(number(out, "\\| PUT player state, max rate, 8 connections \\| ([\\d,]+) \\| 0 \\|") > 0, out);
        assertTrue(number(out, "\\| GET player state at [\\d,]+/s offered \\(half of max\\) \\| ([\\d,]+) \\| 0 \\|") > 0, out);
        assertTrue(number(out, "\\| PUT player state at [\\d,]+/s offered \\(half of max\\) \\| ([\\d,]+) \\| 0 \\|") > 0, out);
        assertTrue(out.contains("Targets (issue 3): "), out);
    }
}
