package org.dtprobed.log;

import java.util.Locale;
import org.slf4j.event.Level;

/** The levels {@code --log-level} and {@code DTPROBED_LOG_LEVEL} take, with their syslog priorities. */
public enum LogLevel {
    ERROR(Level.ERROR, 3), WARN(Level.WARN, 4), INFO(Level.INFO, 6), DEBUG(Level.DEBUG, 7), TRACE(Level.TRACE, 7);

    /** The environment variable read when no {@code --log-level} is given (the unit's EnvironmentFile sets it). */
    public static final String ENV = "DTPROBED_LOG_LEVEL";
    /** The system property the daemon sets from {@code --log-level} before its first log line. */
    public static final String PROPERTY = "dtprobed.log.level";

    private final Level slf4j;
    private final int syslogPriority;

    LogLevel(Level slf4j, int syslogPriority) {
        this.slf4j = slf4j;
        this.syslogPriority = syslogPriority;
    }

    public Level slf4j() {
        return slf4j;
    }

    /** The {@code <N>} journald reads from the start of a line (sd-daemon(3)). */
    public int syslogPriority() {
        return syslogPriority;
    }

    /** A level by name, any case; null for an unknown one. */
    public static LogLevel parse(String name) {
        if (name == null) {
            return null;
        }
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static LogLevel of(Level level) {
        return switch (level) {
            case ERROR -> ERROR;
            case WARN -> WARN;
            case INFO -> INFO;
            case DEBUG -> DEBUG;
            case TRACE -> TRACE;
        };
    }
}
