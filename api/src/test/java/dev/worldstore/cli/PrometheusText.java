package dev.worldstore.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4 and the checks of
 * {@code promtool check metrics} (its linter's rules), for tests: promtool itself is not on the
 * build machine. {@link #parse} throws on anything a Prometheus server would refuse;
 * {@link #lint} lists what promtool would warn about, one {@code "name message"} per finding.
 */
final class PrometheusText {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    /** One metric family: its TYPE, HELP and samples, in the order they came. */
    static final class Family {
        final String name;
        String type = "untyped";
        String help;
        final List<Sample> samples = new ArrayList<>();

        Family(String name) {
            this.name = name;
        }
    }

    final Map<String, Family> families = new LinkedHashMap<>();

    private PrometheusText() {
    }

    /** Every sample name of the exposition ({@code _bucket}, {@code _count}, ... included). */
    Set<String> sampleNames() {
        Set<String> names = new LinkedHashSet<>();
        families.values().forEach(f -> f.samples.forEach(s -> names.add(s.name())));
        return names;
    }

    /** The samples called {@code name}, of whatever family. */
    List<Sample> samples(String name) {
        List<Sample> out = new ArrayList<>();
        families.values().forEach(f -> f.samples.stream().filter(s -> s.name().equals(name)).forEach(out::add));
        return out;
    }

    /**
     * Parses an exposition, checking the grammar and the rules a server enforces: names, label
     * syntax and escapes, values, one TYPE and HELP per family before its samples, a family's
     * samples together, no series twice, sample names that fit their family's type, and
     * histograms with ascending, cumulative buckets ending in {@code +Inf} = {@code _count}.
     *
     * @throws IllegalArgumentException naming the line and the rule
     */
    static PrometheusText parse(String text) {
        PrometheusText t = new PrometheusText();
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition must end with a newline");
        }
        String[] lines = text.split("\n", -1);
        Family current = null;
        Set<String> closed = new LinkedHashSet<>();
        Set<String> series = new LinkedHashSet<>();
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + " '" + line + "': ";
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && (parts[1].equals("TYPE") || parts[1].equals("HELP"))) {
                    String name = parts[2];
                    require(METRIC_NAME.matcher(name).matches(), where + "bad metric name");
                    Family f = t.families.get(name);
                    if (f == null) {
                        require(!closed.contains(name), where + "family comes back after other families");
                        f = new Family(name);
                        t.families.put(name, f);
                    }
                    require(f.samples.isEmpty(), where + parts[1] + " after the family's samples");
                    if (parts[1].equals("TYPE")) {
                        require(parts.length == 4 && TYPES.contains(parts[3]), where + "unknown type");
                        require(f.type.equals("untyped") || f.type.equals(parts[3]), where + "second TYPE");
                        f.type = parts[3];
                    } else {
                        require(f.help == null, where + "second HELP");
                        f.help = parts.length == 4 ? parts[3] : "";
                        checkEscapes(f.help, false, where);
                    }
                    if (current != null && current != f) {
                        closed.add(current.name);
                    }
                    current = f;
                }
                continue;
            }
            Sample s = sample(line, where);
            Family f = familyOf(t, s.name());
            require(f != null, where + "sample without a TYPE for its family");
            require(f == current, where + "sample away from its family's other samples");
            require(fits(f, s.name()), where + "sample name does not fit a " + f.type + " called " + f.name);
            require(series.add(s.name() + new TreeMap<>(s.labels())), where + "the same series twice");
            f.samples.add(s);
        }
        t.families.values().stream().filter(f -> f.type.equals("histogram")).forEach(PrometheusText::checkHistogram);
        return t;
    }

    private static Family familyOf(PrometheusText t, String sampleName) {
        Family f = t.families.get(sampleName);
        if (f != null) {
            return f;
        }
        for (String suffix : List.of("_bucket", "_count", "_sum", "_total", "_created")) {
            if (sampleName.endsWith(suffix)) {
                f = t.families.get(sampleName.substring(0, sampleName.length() - suffix.length()));
                if (f != null) {
                    return f;
                }
            }
        }
        return null;
    }

    private static boolean fits(Family f, String sample) {
        return switch (f.type) {
            case "histogram" -> List.of("_bucket", "_count", "_sum", "_created").stream().anyMatch(x -> sample.equals(f.name + x));
            case "summary" -> sample.equals(f.name) || List.of("_count", "_sum", "_created").stream().anyMatch(x -> sample.equals(f.name + x));
            case "counter" -> sample.equals(f.name) || sample.equals(f.name + "_total") || sample.equals(f.name + "_created");
            default -> sample.equals(f.name);
        };
    }

    private static Sample sample(String line, String where) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        require(METRIC_NAME.matcher(name).matches(), where + "bad metric name");
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                require(eq > i, where + "label without '='");
                String label = line.substring(i, eq);
                require(LABEL_NAME.matcher(label).matches() && !label.startsWith("__"), where + "bad label name " + label);
                require(line.charAt(eq + 1) == '"', where + "label value not quoted");
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char e = line.charAt(++j);
                        require(e == '\\' || e == '"' || e == 'n', where + "bad escape \\" + e);
                        v.append(e == 'n' ? '\n' : e);
                    } else {
                        v.append(c);
                    }
                    j++;
                }
                require(labels.put(label, v.toString()) == null, where + "label " + label + " twice");
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        require(i < line.length() && line.charAt(i) == ' ', where + "no space before the value");
        String[] rest = line.substring(i + 1).split(" ");
        require(rest.length == 1 || rest.length == 2 && rest[1].matches("-?\\d+"), where + "value and optional timestamp expected");
        return new Sample(name, labels, value(rest[0], where));
    }

    private static double value(String v, String where) {
        switch (v) {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                require(v.matches("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?"), where + "bad value " + v);
                return Double.parseDouble(v);
        }
    }

    private static void checkEscapes(String help, boolean quotes, String where) {
        for (int i = 0; i < help.length(); i++) {
            if (help.charAt(i) == '\\') {
                char e = i + 1 < help.length() ? help.charAt(i + 1) : ' ';
                require(e == '\\' || e == 'n' || quotes && e == '"', where + "bad escape in HELP");
                i++;
            }
        }
    }

    private static void checkHistogram(Family f) {
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
        for (Sample s : f.samples) {
            Map<String, String> series = new TreeMap<>(s.labels());
            series.remove("le");
            if (s.name().endsWith("_bucket")) {
                require(s.labels().containsKey("le"), f.name + ": a bucket without le");
                buckets.computeIfAbsent(series, k -> new ArrayList<>()).add(s);
            } else if (s.name().endsWith("_count")) {
                counts.put(series, s.value());
            }
        }
        require(!buckets.isEmpty(), f.name + ": a histogram without buckets");
        buckets.forEach((series, bs) -> {
            double le = Double.NEGATIVE_INFINITY;
            double cumulative = 0;
            for (Sample b : bs) {
                double bound = value(b.labels().get("le"), f.name + " le ");
                require(bound > le, f.name + series + ": buckets not in ascending order of le");
                require(b.value() >= cumulative, f.name + series + ": buckets not cumulative");
                le = bound;
                cumulative = b.value();
            }
            require(le == Double.POSITIVE_INFINITY, f.name + series + ": no +Inf bucket");
            require(counts.containsKey(series) && counts.get(series) == cumulative, f.name + series + ": +Inf bucket is not _count");
        });
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * What {@code promtool check metrics} reports (the rules of its linter, promlint): no HELP;
     * counters without {@code _total}; {@code _total}, {@code _count}, {@code _sum} or
     * {@code _bucket} on other types; camelCase; an abbreviated or non-base unit; the type in the name.
     */
    List<String> lint() {
        List<String> problems = new ArrayList<>();
        Set<String> abbreviations = Set.of("s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d");
        Map<String, String> baseUnits = Map.of("milliseconds", "seconds", "microseconds", "seconds", "nanoseconds", "seconds",
                "minutes", "seconds", "hours", "seconds", "days", "seconds", "kilobytes", "bytes", "megabytes", "bytes",
                "gigabytes", "bytes", "bits", "bytes");
        for (Family f : families.values()) {
            String n = f.name;
            if (f.help == null || f.help.isEmpty()) {
                problems.add(n + " no help text");
            }
            if (f.type.equals("counter") && !n.endsWith("_total")) {
                problems.add(n + " counter metrics should have \"_total\" suffix");
            }
            if (!f.type.equals("counter") && n.endsWith("_total")) {
                problems.add(n + " non-counter metrics should not have \"_total\" suffix");
            }
            if (!f.type.equals("histogram") && !f.type.equals("summary")
                    && (n.endsWith("_count") || n.endsWith("_sum") || n.endsWith("_bucket"))) {
                problems.add(n + " non-histogram and non-summary metrics should not have \"_count\" suffix");
            }
            if (!n.equals(n.toLowerCase(java.util.Locale.ROOT))) {
                problems.add(n + " metric names should be written in 'snake_case' not 'camelCase'");
            }
            for (String part : n.split("_")) {
                if (abbreviations.contains(part)) {
                    problems.add(n + " metric names should not contain abbreviated units");
                }
                if (baseUnits.containsKey(part)) {
                    problems.add(n + " use base unit \"" + baseUnits.get(part) + "\" instead of \"" + part + "\"");
                }
                if (Set.of("counter", "gauge", "histogram", "summary").contains(part)) {
                    problems.add(n + " metric names should not contain the metric type name");
                }
            }
        }
        return problems;
    }
}
