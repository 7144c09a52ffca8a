package dev.worldstore.projector;

import dev.worldstore.Change;
import dev.worldstore.Condition;
import dev.worldstore.ConflictException;
import dev.worldstore.Key;
import dev.worldstore.Saved;
import dev.worldstore.Stored;
import dev.worldstore.WorldStore.RestoreResult;
import dev.worldstore.WorldStoreException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Rolls a world back to a past state by appending new events: a put of the past value for every key
 * that differs now (conditional on the version it replaces, or create-only), a delete of every key
 * that did not exist then (conditional on its version). Nothing is rewritten; keys changed
 * concurrently are refused by their condition and reported as conflicts. Values are compared as
 * JSON values, so a key whose JSON differs only in formatting is left as it is. Stateless.
 */
final class Restore {
    private Restore() {
    }

    /**
     * @param past streams the world as it was (the snapshot at the target point)
     * @param now streams the world as it is
     * @param writer the node's write path
     */
    static RestoreResult run(Consumer<Consumer<Stored>> past, Consumer<Consumer<Stored>> now,
            Function<Change, CompletableFuture<Saved>> writer, String actor) {
        Map<Key, Stored> then = new LinkedHashMap<>();
        past.accept(s -> then.put(s.key(), s));
        Map<Key, Stored> current = new LinkedHashMap<>();
        now.accept(s -> current.put(s.key(), s));
        List<CompletableFuture<Saved>> puts = new ArrayList<>();
        List<CompletableFuture<Saved>> deletes = new ArrayList<>();
        int unchanged = 0;
        for (Map.Entry<Key, Stored> e : then.entrySet()) {
            Stored was = e.getValue();
            Stored is = current.get(e.getKey());
            if (is != null && (is.sameJsonBytes(was) || is.value().equals(was.value()))) {
                unchanged++;
                continue;
            }
            Condition c = is == null ? Condition.absent() : Condition.version(is.version());
            puts.add(writer.apply(Change.putJson(e.getKey(), was.jsonBytes()).withCondition(c).withActor(actor)));
        }
        for (Map.Entry<Key, Stored> e : current.entrySet()) {
            if (!then.containsKey(e.getKey())) {
                deletes.add(writer.apply(Change.delete(e.getKey()).withCondition(Condition.version(e.getValue().version()))
                        .withActor(actor)));
            }
        }
        int putConflicts = conflicts(puts);
        int deleteConflicts = conflicts(deletes);
        return new RestoreResult(puts.size() - putConflicts, deletes.size() - deleteConflicts, unchanged, putConflicts + deleteConflicts);
    }

    /** What {@link #run} would write, without writing: puts as {@code rewritten}, deletes as {@code deleted}. */
    static RestoreResult plan(Consumer<Consumer<Stored>> past, Consumer<Consumer<Stored>> now) {
        RestoreResult r = run(past, now, change -> CompletableFuture.completedFuture(null), null);
        return new RestoreResult(r.rewritten(), r.deleted(), r.unchanged(), 0);
    }

    /** Waits for every write; returns how many were refused by their condition. */
    private static int conflicts(List<CompletableFuture<Saved>> writes) {
        int conflicts = 0;
        WorldStoreException failure = null;
        for (CompletableFuture<Saved> w : writes) {
            try {
                w.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof ConflictException) {
                    conflicts++;
                } else if (failure == null) {
                    failure = e.getCause() instanceof WorldStoreException x ? x : null;
                    if (failure == null) {
                        throw e;
                    }
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return conflicts;
    }
}
