package dev.worldstore.projector;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A {@link ChildNode} in a separate JVM: send commands, wait for answer lines, kill it with SIGKILL. */
final class ChildProcess implements AutoCloseable {
    private final Process process;
    private final PrintStream in;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    ChildProcess(String bootstrap, String topic, Path dataDir, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                ChildNode.class.getName(), bootstrap, topic, dataDir.toString()))
                .redirectError(log.toFile())
                .start();
        in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // the process died; the test sees missing lines
            }
        }, "child-stdout");
        reader.setDaemon(true);
        reader.start();
        expect(l -> l.startsWith("READY"), 60);
    }

    void send(String command) {
        in.println(command);
    }

    /** The next line matching {@code wanted} (earlier ones are dropped), within {@code seconds}. */
    String expect(Predicate<String> wanted, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        try {
            while (System.nanoTime() < deadline) {
                String l = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (l != null && wanted.test(l)) {
                    return l;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertNotNull(null, "child did not answer in " + seconds + " s; alive=" + process.isAlive());
        return null;
    }

    String call(String command, int seconds) {
        send(command);
        return expect(l -> !l.startsWith("ACK"), seconds);
    }

    BlockingQueue<String> lines() {
        return lines;
    }

    /** SIGKILL: no shutdown hook, no flush, no close. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            send("quit");
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
