package org.dtprobed.metrics;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes metrics as text, in one of two formats: OpenMetrics 1.0.0 (the {@code metrics} op and
 * {@code dtprobe metrics}: {@code # TYPE}/{@code # UNIT}/{@code # HELP} per family, counters
 * sampled as {@code _total}, an {@code info} family, the closing {@code # EOF}), or the Prometheus
 * text format 0.0.4 that node_exporter's textfile collector parses ({@code --metrics-file}: no
 * {@code # UNIT}, no {@code info} type, which it rejects, the counter family named {@code _total},
 * no {@code # EOF}). Label values are escaped; summaries are quantiles with {@code _sum} and
 * {@code _count}.
 */
public final class Exposition {
    /** The two text formats. */
    public enum Format { OPENMETRICS, PROMETHEUS }

    public static final String CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final StringBuilder out = new StringBuilder(4096);
    private final Format format;

    public Exposition(Format format) {
        this.format = format;
    }

    /** A family header; {@code unit} may be null. */
    private void header(String name, String type, String unit, String help) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad metric name '" + name + "'");
        }
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        if (unit != null && format == Format.OPENMETRICS) {
            out.append("# UNIT ").append(name).append(' ').append(unit).append('\n');
        }
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n');
    }

    public Exposition counter(String name, String help, long value) {
        return counter(name, help, Map.of(Map.of(), value));
    }

    /** A counter family: one sample per label set. */
    public Exposition counter(String name, String help, Map<Map<String, String>, Long> samples) {
        header(format == Format.OPENMETRICS ? name : name + "_total", "counter", null, help);
        samples.forEach((labels, v) -> sample(name + "_total", labels, Long.toString(v)));
        return this;
    }

    public Exposition gauge(String name, String help, double value) {
        return gauge(name, help, Map.of(Map.of(), value));
    }

    public Exposition gauge(String name, String help, Map<Map<String, String>, Double> samples) {
        header(name, "gauge", null, help);
        samples.forEach((labels, v) -> sample(name, labels, number(v)));
        return this;
    }

    /** An info family ({@code name_info{...} 1}). */
    public Exposition info(String name, String help, Map<String, String> labels) {
        if (format == Format.OPENMETRICS) {
            header(name, "info", null, help);
        } else {
            header(name + "_info", "gauge", null, help);
        }
        sample(name + "_info", labels, "1");
        return this;
    }

    /** A latency summary in seconds; {@code name} ends in {@code _seconds}. */
    public Exposition summary(String name, String help, LatencySnapshot s) {
        if (!name.endsWith("_seconds")) {
            throw new IllegalArgumentException("a summary in seconds must be named *_seconds: " + name);
        }
        header(name, "summary", "seconds", help);
        if (s.count() > 0) {
            for (double q : LatencySnapshot.QUANTILES) {
                sample(name, Map.of("quantile", Double.toString(q)), seconds(s.nanosAt(q)));
            }
        }
        sample(name + "_sum", Map.of(), seconds(s.sumNanos()));
        sample(name + "_count", Map.of(), Long.toString(s.count()));
        return this;
    }

    /** The finished exposition (OpenMetrics: ending in {@code # EOF}). */
    public String finish() {
        return format == Format.OPENMETRICS ? out + "# EOF\n" : out.toString();
    }

    private void sample(String name, Map<String, String> labels, String value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, String> l : new java.util.TreeMap<>(labels).entrySet()) {
                if (!LABEL.matcher(l.getKey()).matches()) {
                    throw new IllegalArgumentException("bad label name '" + l.getKey() + "'");
                }
                out.append(first ? "" : ",").append(l.getKey()).append("=\"").append(escape(l.getValue())).append('"');
                first = false;
            }
            out.append('}');
        }
        out.append(' ').append(value).append('\n');
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String seconds(long nanos) {
        return number(nanos / 1e9);
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.9g", v).replaceFirst("0+(e|$)", "$1").replaceFirst("\\.(e|$)", "$1");
    }
}
