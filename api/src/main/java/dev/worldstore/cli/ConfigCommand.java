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

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(markdown ? ConfigDoc.markdown() : ConfigDoc.text());
        spec.commandLine().getOut().flush();
        return Main.EXIT_OK;
    }
}
