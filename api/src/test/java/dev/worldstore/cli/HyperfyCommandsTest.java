package dev.worldstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.worldstore.ConfigKey;
import dev.worldstore.WorldStoreConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command lines of import-hyperfy and export-hyperfy: their help, and usage errors as one line with exit code 2. */
class HyperfyCommandsTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(Map.of(), new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    private static void usage(Run r, String expected) {
        assertEquals(2, r.code(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), r.err());
    }

    @Test
    void bothCommandsDocumentTheirOptionsAndTakeTheStoreKeys() {
        for (String c : new String[] {"import-hyperfy", "export-hyperfy"}) {
            Run r = run(c, "--help");
            assertEquals(0, r.code(), c);
            for (String o : new String[] {"--world=WORLD", "--url=URL", "--api-key=KEY", "--catch-up-timeout-seconds=N"}) {
                assertTrue(r.out().contains(o), c + " " + o);
            }
            for (ConfigKey k : WorldStoreConfig.KEYS) {
                assertTrue(r.out().contains("--" + k.name() + "="), c + " " + k.name());
            }
        }
        String imp = run("import-hyperfy", "--help").out();
        for (String o : new String[] {"--merge", "--replace", "--dry-run", "--batch-size=N", "--in-flight=N", "PATH"}) {
            assertTrue(imp.contains(o), o);
        }
        String exp = run("export-hyperfy", "--help").out();
        assertTrue(exp.contains("--as-of=INSTANT|POSITION") && exp.contains("--force") && exp.contains("OUT_DIR"), exp);
        assertTrue(run("--help").out().contains("import-hyperfy"));
    }

    @Test
    void usageErrorsNameTheOptionAndTheRule() {
        String world = dir.toString();
        usage(run("import-hyperfy", "--world=w", world), "--data.dir: say where the world is");
        usage(run("import-hyperfy", "--world=w", "--merge", "--replace", world), "--replace: give --merge or --replace, not both");
        usage(run("import-hyperfy", "--world=w", "--api-key=k", world), "--api-key: needs --url");
        usage(run("import-hyperfy", "--world=w", "--url=ftp://host", world), "--url: must be http://host:port");
        usage(run("import-hyperfy", "--world=w", "--batch-size=0", "--url=http://127.0.0.1:1", world), "--batch-size: must be between 1");
        usage(run("import-hyperfy", "--world=a b", world), "--world: must be");
        usage(run("export-hyperfy", "--world=w", "--as-of=yesterday", world), "--as-of: must be an ISO-8601 instant");
    }

    @Test
    void aMissingWorldFolderIsARuntimeFailureNamingIt() {
        Path missing = dir.resolve("nope");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(Map.of(), new PrintWriter(out), new PrintWriter(err), "import-hyperfy", "--world=w",
                "--url=http://127.0.0.1:1", missing.toString());
        assertEquals(1, code, err.toString());
        assertTrue(err.toString().contains(missing + " does not exist: give a Hyperfy world folder"), err.toString());
    }
}
