package dev.worldstore.loadgen;

import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/** One connection of {@link HttpBench}: sends its requests back to back (or on a schedule) and records their latency. */
final class HttpBenchWorker implements Runnable {
    final Histogram histogram = new Histogram(3);
    long errors;
    private final HttpBench.Options o;
    private final byte[][] bodies;
    private final int index;
    private final long warmupEnd;
    private final long end;

    HttpBenchWorker(HttpBench.Options o, byte[][] bodies, int index, long warmupEnd, long end) {
        this.o = o;
        this.bodies = bodies;
        this.index = index;
        this.warmupEnd = warmupEnd;
        this.end = end;
    }

    @Override
    public void run() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long interval = o.targetOpsPerSecond() > 0 ? (long) (1e9 * o.concurrency() / o.targetOpsPerSecond()) : 0;
        long scheduled = System.nanoTime() + (interval > 0 ? random.nextLong(interval) : 0);
        HttpConnection c = null;
        int tick = 0;
        while (true) {
            long start;
            if (interval > 0) {
                long now;
                while ((now = System.nanoTime()) < scheduled) {
                    LockSupport.parkNanos(scheduled - now);
                }
                start = scheduled;
                scheduled += interval;
            } else {
                start = System.nanoTime();
            }
            if (start >= end) {
                break;
            }
            int player = random.nextInt(o.players());
            boolean put = o.mode() == HttpBench.Mode.PUT || (o.mode() == HttpBench.Mode.MIXED && random.nextBoolean());
            int status;
            try {
                if (c == null) {
                    c = new HttpConnection(o.baseUrl(), o.apiKey());
                }
                if (o.mode() == HttpBench.Mode.BATCH) {
                    status = c.exchange("POST", HttpBench.batchPath(o), Bodies.batch(player, o.batchSize(), o.players(), ++tick));
                } else if (o.mode() == HttpBench.Mode.READ) {
                    status = c.exchange("POST", HttpBench.readPath(o), Bodies.read(player, o.batchSize(), o.players()));
                } else {
                    status = put ? c.exchange("PUT", HttpBench.path(o, player), bodies[player % bodies.length])
                            : c.exchange("GET", HttpBench.path(o, player), null);
                }
            } catch (IOException e) {
                status = -1;
                if (c != null) {
                    c.close();
                }
                c = null;
            }
            long done = System.nanoTime();
            if (start >= warmupEnd) {
                histogram.recordValue(Math.max(0, done - start));
                if (status != 200) {
                    errors++;
                }
            }
        }
        if (c != null) {
            c.close();
        }
    }
}
