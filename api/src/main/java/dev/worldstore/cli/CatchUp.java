package dev.worldstore.cli;

import dev.worldstore.ConfigException;
import dev.worldstore.ProjectorState;
import dev.worldstore.WorldStore;
import dev.worldstore.loadgen.Latency;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** A command's own node catching up with the log before the command does its work (restore, Hyperfy import/export). */
final class CatchUp {
    /** The option that bounds the wait, in seconds. */
    static final String OPTION = "--catch-up-timeout-seconds";

    private CatchUp() {
    }

    /** @throws ConfigException naming {@link #OPTION} unless {@code seconds} is between 1 and 86,400 */
    static void checkTimeout(int seconds) {
        if (seconds < 1 || seconds > 86_400) {
            throw new ConfigException(OPTION, "must be between 1 and 86400, was " + seconds);
        }
    }

    /**
     * Waits until {@code store}'s projector is LIVE with no lag, showing {@code done} (events applied)
     * on {@code progress} every {@code pollMs} (the caller finishes the line).
     *
     * @param hint what to do about a timeout, appended to its message after "raise --catch-up-timeout-seconds"
     * @throws CliFailure if the projector fails, {@code timeoutSeconds} pass, or the thread is interrupted
     */
    static void await(WorldStore store, int timeoutSeconds, ProgressLine progress, LongSupplier done, long pollMs, String hint) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (!(store.projectorState() == ProjectorState.LIVE && store.projectorLag() == 0)) {
            if (store.projectorState() == ProjectorState.FAILED) {
                throw new CliFailure("this command's projector failed while catching up with the log (run with --verbose to see why)");
            }
            if (System.nanoTime() > deadline) {
                throw new CliFailure("the projection did not catch up with the log within " + timeoutSeconds + " s (lag "
                        + Latency.count(store.projectorLag()) + " events); raise " + OPTION + hint);
            }
            progress.update(done.getAsLong());
            try {
                TimeUnit.MILLISECONDS.sleep(pollMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliFailure("interrupted", e);
            }
        }
    }
}
