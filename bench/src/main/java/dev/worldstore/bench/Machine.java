package dev.worldstore.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Facts about the machine and JVM a run happened on, and the command that started it. */
final class Machine {

    private Machine() {
    }

    static String describe(Path dataDir) {
        Runtime rt = Runtime.getRuntime();
        String gc = String.join("+", ManagementFactory.getGarbageCollectorMXBeans().stream().map(b -> b.getName()).toList());
        return rt.availableProcessors() + " cores" + cpuModel() + ", " + memTotal() + " RAM, data on " + fileStore(dataDir)
                + "; Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), max heap "
                + String.format(Locale.ROOT, "%.1f GiB", rt.maxMemory() / (1024.0 * 1024 * 1024)) + ", GC " + gc
                + "; " + System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    /** {@code java [JVM flags] -jar <jar> [args]} as this JVM was started (or its main class when not from a jar). */
    static String command(List<String> args) {
        String launched = System.getProperty("sun.java.command", "dev.worldstore.bench.CompareMain").split(" ")[0];
        List<String> flags = ManagementFactory.getRuntimeMXBean().getInputArguments();
        String target = launched.endsWith(".jar") ? "-jar " + launched : "-cp … " + CompareMain.class.getName();
        return "java " + (flags.isEmpty() ? "" : String.join(" ", flags) + " ") + target + (args.isEmpty() ? "" : " " + String.join(" ", args));
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst().map(l -> " (" + l.substring(l.indexOf(':') + 1).trim() + ")")
                    .orElse("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String memTotal() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/meminfo"))) {
            return lines.filter(l -> l.startsWith("MemTotal:")).findFirst()
                    .map(l -> String.format(Locale.ROOT, "%.0f GiB", Long.parseLong(l.replaceAll("\\D", "")) / (1024.0 * 1024)))
                    .orElse("? GiB");
        } catch (IOException | RuntimeException e) {
            return "? GiB";
        }
    }

    private static String fileStore(Path dir) {
        try {
            return Files.getFileStore(dir).type() + " (" + dir.getParent() + ")";
        } catch (IOException e) {
            return dir.toString();
        }
    }
}
