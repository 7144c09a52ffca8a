package dev.worldstore.projector;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a writer waits for the projector's verdict on its own event. The writer registers the event
 * id before sending, so the projector can never decide before anyone listens; entries leave the
 * board when decided or when the writer gives up, so nothing accumulates.
 */
final class VerdictBoard {
    private final ConcurrentHashMap<String, CompletableFuture<Verdict>> waiting = new ConcurrentHashMap<>();

    CompletableFuture<Verdict> register(String eventId) {
        CompletableFuture<Verdict> f = new CompletableFuture<>();
        waiting.put(eventId, f);
        return f;
    }

    void forget(String eventId) {
        waiting.remove(eventId);
    }

    /** True if a writer on this node waits for {@code eventId}. */
    boolean awaited(String eventId) {
        return waiting.containsKey(eventId);
    }

    void decide(String eventId, Verdict verdict) {
        CompletableFuture<Verdict> f = waiting.remove(eventId);
        if (f != null) {
            f.complete(verdict);
        }
    }

    int size() {
        return waiting.size();
    }
}
