package org.dtprobed.log;

import java.io.PrintStream;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** One logger: events at or above the threshold become lines on stderr in the chosen format. */
final class LineLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    private final transient LineFormat format;
    private final transient PrintStream out;
    private final int threshold;
    private final String shortName;

    LineLogger(String name, LogLevel threshold, LineFormat format, PrintStream out) {
        this.name = name;
        this.threshold = threshold.slf4j().toInt();
        this.format = format;
        this.out = out;
        int dot = name.lastIndexOf('.');
        this.shortName = dot >= 0 ? name.substring(dot + 1) : name;
    }

    private boolean enabled(Level level) {
        return level.toInt() >= threshold;
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args,
                                               Throwable t) {
        String message = MessageFormatter.basicArrayFormat(pattern, args);
        String lines = format.lines(LogLevel.of(level), shortName, Thread.currentThread().getName(), message, t);
        // one write per event, so that lines of concurrent events do not interleave
        synchronized (out) {
            out.print(lines);
            out.flush();
        }
    }
}
