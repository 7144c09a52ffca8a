package dev.worldstore.loadgen;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;

/** One SSE subscriber of {@link FeedBench}: parses events as lines arrive (no thread of its own), times and counts the saves it sees. */
final class Subscriber implements Flow.Subscriber<String> {
    final CountDownLatch ready = new CountDownLatch(1);
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final int world;
    private final ConcurrentHistogram latency;
    private final java.util.BitSet seen = new java.util.BitSet();
    private volatile Flow.Subscription subscription;
    private volatile CompletableFuture<?> response;
    volatile long expected;
    volatile String failure;

    private Subscriber(ConcurrentHistogram latency, int world) {
        this.latency = latency;
        this.world = world;
    }

    static Subscriber open(HttpClient client, HttpRequest request, ConcurrentHistogram latency, int world) {
        Subscriber s = new Subscriber(latency, world);
        s.response = client.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(s)).whenComplete((r, e) -> {
            if (e != null) {
                s.failure = e.toString();
            } else if (r.statusCode() != 200) {
                s.failure = "HTTP " + r.statusCode();
            }
            s.ready.countDown();
        });
        return s;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
        if (line.startsWith("event: ready")) {
            ready.countDown();
        } else if (line.startsWith("data:")) {
            int t = line.indexOf("\"t\":");
            int seq = line.indexOf("\"seq\":");
            if (t < 0 || seq < 0) {
                return;
            }
            long now = System.nanoTime();
            long started = Long.parseLong(line, t + 4, line.indexOf(',', t), 10);
            int n = Integer.parseInt(line, seq + 6, line.indexOf(',', seq), 10);
            synchronized (seen) {
                if (seen.get(n)) {
                    duplicates.incrementAndGet();
                }
                seen.set(n);
            }
            delivered.incrementAndGet();
            Latency.record(latency, now - started);
        }
    }

    @Override
    public void onError(Throwable throwable) {
        if (failure == null) {
            failure = throwable.toString();
        }
        ready.countDown();
    }

    @Override
    public void onComplete() {
        ready.countDown();
    }

    void close() {
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        CompletableFuture<?> r = response;
        if (r != null) {
            r.cancel(true);
        }
    }
}
