package dev.worldstore.bench;

import java.util.ArrayDeque;
import java.util.Deque;

/** Closes what was registered, last first; the first failure is thrown after everything was tried. */
final class Closer implements AutoCloseable {
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    <T extends AutoCloseable> T add(T resource) {
        resources.push(resource);
        return resource;
    }

    /** Closes {@code resource} now (if registered, it is not closed again). */
    void closeNow(AutoCloseable resource) throws Exception {
        resources.remove(resource);
        resource.close();
    }

    /** @throws IllegalStateException with the first failure as its cause (later ones suppressed) */
    @Override
    public void close() {
        Exception first = null;
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first instanceof RuntimeException r ? r : new IllegalStateException("closing failed: " + first.getMessage(), first);
        }
    }
}
