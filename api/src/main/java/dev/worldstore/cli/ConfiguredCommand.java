package dev.worldstore.cli;

import dev.worldstore.ConfigException;
import dev.worldstore.ConfigKey;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * A subcommand that takes configuration keys. One {@code --key=value} option per key is generated
 * from the key lists by {@link #addKeyOptions} (so {@code --help} shows each key's doc, default,
 * rule and variable from the single source); unknown {@code --kafka.*} options are collected and
 * passed through; anything else unknown is an error.
 */
abstract class ConfiguredCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Java properties file with configuration keys (below environment variables and options in precedence).")
    Path configFile;

    @Unmatched
    List<String> unmatched = new ArrayList<>();

    /** The process environment; replaced by tests. */
    Map<String, String> env = System.getenv();

    private final Map<String, OptionSpec> keyOptions = new LinkedHashMap<>();

    /** The keys this command accepts as options. */
    abstract List<ConfigKey> keys();

    /** Adds the generated options to this command's spec. Called once, before parsing. */
    final void addKeyOptions(CommandSpec commandSpec) {
        for (ConfigKey k : keys()) {
            String dflt = k.defaultValue().isEmpty() ? "(empty)" : k.defaultValue();
            OptionSpec o = OptionSpec.builder("--" + k.name())
                    .paramLabel(label(k))
                    .type(String.class)
                    .arity("1")
                    .description(escape(k.doc()) + " Default: " + escape(dflt) + ". Rule: " + escape(k.rule()) + ". Env: " + k.envName() + ".")
                    .build();
            commandSpec.addOption(o);
            keyOptions.put(k.name(), o);
        }
    }

    private static String label(ConfigKey k) {
        return switch (k.type()) {
            case INT, LONG -> "N";
            case BOOLEAN -> "true|false";
            case PATH -> "DIR";
            case CHOICE -> String.join("|", k.choices());
            case STRING -> "TEXT";
        };
    }

    private static String escape(String s) {
        return s.replace("%", "%%").replace("${", "$${");
    }

    /** Reads the options, the environment and the config file into validated settings. */
    final Settings settings() {
        Map<String, String> cli = new LinkedHashMap<>();
        keyOptions.forEach((name, o) -> {
            Object v = o.getValue();
            if (v != null) {
                cli.put(name, v.toString());
            }
        });
        cli.putAll(aliases());
        cli.putAll(passThrough(unmatched, keys()));
        Settings s = Settings.resolve(cli, env, configFile);
        s.warnings().forEach(w -> err().println("warning: " + w));
        err().flush();
        return s;
    }

    /**
     * Turns unmatched arguments into pass-through settings: {@code --kafka.x=v} or {@code --kafka.x v}.
     *
     * @throws ConfigException for an unknown option that is not {@code kafka.*}, or a stray argument
     */
    static Map<String, String> passThrough(List<String> args, List<ConfigKey> commandKeys) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                throw new ConfigException(a, "is not an option or argument of this command (options are written --key=value)");
            }
            int eq = a.indexOf('=');
            String name = eq >= 0 ? a.substring(2, eq) : a.substring(2);
            String value = eq >= 0 ? a.substring(eq + 1) : null;
            boolean kafka = name.startsWith(Settings.KAFKA_PREFIX) && name.length() > Settings.KAFKA_PREFIX.length();
            if (!kafka) {
                boolean elsewhere = Settings.ALL_KEYS.stream().anyMatch(k -> k.name().equals(name));
                throw new ConfigException("--" + name, elsewhere
                        ? "is not an option of this command (it configures another command, e.g. serve)"
                        : "unknown option" + Settings.suggestion(commandKeys.stream().map(k -> "--" + k.name()).toList(), "--" + name)
                                + "; only other kafka.* options pass through to the Kafka clients; see --help");
            }
            if (value == null) {
                if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                    throw new ConfigException("--" + name, "needs a value: --" + name + "=VALUE");
                }
                value = args.get(++i);
            }
            m.put(name, value);
        }
        return m;
    }

    /** Settings given through a command's own spelling of a key (e.g. {@code --bootstrap-from}), by key name. */
    Map<String, String> aliases() {
        return Map.of();
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
