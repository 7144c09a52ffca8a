package dev.worldstore.cli;

import dev.worldstore.ConfigException;
import dev.worldstore.WorldStoreException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code worldstore} command: {@code serve}, {@code demo}, {@code bench}, {@code replay},
 * {@code rebuild}, {@code restore}, {@code import-hyperfy}, {@code export-hyperfy}, {@code config}.
 *
 * <p>Exit codes: 0 success, 1 runtime failure (e.g. the store cannot start), 2 usage or
 * configuration error. Errors print one line, no stack trace.
 */
@Command(name = "worldstore", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Event-sourced state store for multiplayer 3D worlds: saves go to Kafka, loads come from a local RocksDB projection.",
        subcommands = {ServeCommand.class, DemoCommand.class, BenchCommand.class, ReplayCommand.class, RebuildCommand.class,
            RestoreCommand.class, ImportHyperfyCommand.class, ExportHyperfyCommand.class, ConfigCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "Configuration: every key can be given as --key=value, as a WORLDSTORE_* environment variable or in a "
                + "properties file (--config FILE); run `worldstore config` for the reference.",
                "Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error."})
public final class Main implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        int code = execute(System.getenv(), new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8), args);
        System.exit(code);
    }

    /** Runs one command line in this process with the real environment, writing to stdout/stderr. */
    public static int execute(String... args) {
        return execute(System.getenv(), new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8), args);
    }

    /**
     * Runs one command line in this process.
     *
     * @param env the environment to read WORLDSTORE_* variables from
     * @return the exit code
     */
    public static int execute(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine(env);
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The configured command tree (exposed for tests and docs). */
    static CommandLine commandLine(Map<String, String> env) {
        CommandLine cl = new CommandLine(new Main());
        cl.setUsageHelpWidth(100);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommand() instanceof ConfiguredCommand c) {
                c.env = env;
                c.addKeyOptions(sub.getCommandSpec());
                sub.getCommandSpec().usageMessage().sortOptions(false);
            }
        }
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter err = c.getErr();
            err.println("worldstore: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            PrintWriter err = c.getErr();
            if (ex instanceof ConfigException) {
                err.println("worldstore " + c.getCommandName() + ": configuration error: " + ex.getMessage());
                return EXIT_USAGE;
            }
            if (ex instanceof CliFailure) {
                err.println("worldstore " + c.getCommandName() + ": " + ex.getMessage());
                return EXIT_FAILURE;
            }
            if (ex instanceof WorldStoreException) {
                err.println("worldstore " + c.getCommandName() + ": " + ex.getMessage());
                return EXIT_FAILURE;
            }
            err.println("worldstore " + c.getCommandName() + ": unexpected error: " + ex);
            ex.printStackTrace(err);
            return EXIT_FAILURE;
        });
        return cl;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    /** The version from the jar's Maven metadata ("dev" when run from classes). */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"worldstore " + version(), "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
        }

        static String version() {
            try (InputStream in = Main.class.getResourceAsStream("/META-INF/maven/dev.worldstore/worldstore-api/pom.properties")) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    return p.getProperty("version", "dev");
                }
            } catch (java.io.IOException e) {
                // fall through
            }
            String v = Main.class.getPackage().getImplementationVersion();
            return v == null ? "dev" : v;
        }
    }
}
