package dev.worldstore.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Prints the configuration reference, generated from the key lists. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Print the configuration reference: every key, its environment variable, default, rule and meaning.")
final class ConfigCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--markdown", description = "Print the markdown table the README holds between <!-- config:start --> and <!-- config:end -->.")
    boolean markdown;

    @Option(names = "--fill-defaults", paramLabel = "FILE", description = "Rewrite the defaults quoted between "
            + "<!-- default:KEY --> and <!-- /default --> in FILE (e.g. deploy/README.md) with the code's, then exit.")
    java.nio.file.Path fillDefaults;

    @Override
    public Integer call() throws java.io.IOException {
        if (fillDefaults != null) {
            String before = java.nio.file.Files.readString(fillDefaults, java.nio.charset.StandardCharsets.UTF_8);
            String after = ConfigDoc.fillDefaults(before);
            if (!after.equals(before)) {
                java.nio.file.Files.writeString(fillDefaults, after, java.nio.charset.StandardCharsets.UTF_8);
            }
            spec.commandLine().getOut().println((after.equals(before) ? "up to date: " : "updated: ") + fillDefaults);
            spec.commandLine().getOut().flush();
            return Main.EXIT_OK;
        }
        spec.commandLine().getOut().print(markdown ? ConfigDoc.markdown() : ConfigDoc.text());
        spec.commandLine().getOut().flush();
        return Main.EXIT_OK;
    }
}
