package dev.worldstore.loadgen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The machine line of the bench reports: cores, CPU model, heap, Java, OS and the load average (on Linux). */
final class Machine {
    private Machine() {
    }

    static String describe() {
        Runtime rt = Runtime.getRuntime();
        String cpu = "";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    cpu = " (" + line.substring(line.indexOf(':') + 1).trim() + ")";
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        String load = "";
        try {
            String[] avg = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).trim().split("\\s+");
            load = ", load average " + avg[0] + " (1 min) when the report was printed"; // other work on the machine skews the numbers
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return String.format(Locale.ROOT, "%d cores%s, max heap %.1f GiB, Java %s (%s), %s %s %s%s", rt.availableProcessors(), cpu,
                rt.maxMemory() / (1024.0 * 1024 * 1024), Runtime.version(), System.getProperty("java.vendor"),
                System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("os.arch"), load);
    }
}
