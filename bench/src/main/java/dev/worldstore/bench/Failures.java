package dev.worldstore.bench;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/** Counts failed operations of one run (thread-safe) and keeps the first one's message. */
final class Failures {
    private final AtomicLong count = new AtomicLong();
    private final AtomicReference<String> first = new AtomicReference<>();

    void add(Throwable error) {
        count.incrementAndGet();
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        first.compareAndSet(null, e.toString());
    }

    Sample sample(long ops, long nanos, Histogram latency) {
        return Sample.of(ops, nanos, latency, count.get(), first.get());
    }
}
