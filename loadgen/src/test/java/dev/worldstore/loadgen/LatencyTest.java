package dev.worldstore.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LatencyTest {

    @Test
    void formatsDurationsCountsRatesAndRatios() {
        assertEquals("-", Latency.format(-1));
        assertEquals("12 µs", Latency.format(12_345));
        assertEquals("1.25 ms", Latency.format(1_250_000));
        assertEquals("34.5 ms", Latency.format(34_500_000));
        assertEquals("3.40 s", Latency.format(3_400_000_000L));
        assertEquals("1,234,567", Latency.count(1_234_567));
        assertEquals("12,346/s", Latency.rate(12_345.6));
        assertEquals("2.5 s", Latency.seconds(2_500_000_000L));
        assertEquals("0.94×", Latency.ratio(0.94));
        assertEquals("12×", Latency.ratio(12.2));
    }

    @Test
    void recordsClampedAndSummarises() {
        Histogram h = Latency.histogram();
        assertEquals("-", Latency.p(h, 50));
        assertEquals("-", Latency.max(h));
        Latency.record(h, -5);
        Latency.record(h, Long.MAX_VALUE);
        assertEquals(2, h.getTotalCount());
        assertEquals(0, h.getMinValue());
        assertEquals(Latency.MAX_NANOS, h.highestEquivalentValue(h.getMaxValue()), Latency.MAX_NANOS / 1000);
        assertEquals("p50 0 µs  p99 " + Latency.max(h) + "  p99.9 " + Latency.max(h) + "  max " + Latency.max(h), Latency.summary(h));
    }
}
