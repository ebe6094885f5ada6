package org.dtprobed.log;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J backend of dtprobed and dtprobe (selected with {@code -Dslf4j.provider}, which
 * {@link #select()} sets): slf4j-simple, which the jailed parser child keeps, has neither a
 * level that can be set after start-up nor journald priorities. About a hundred lines here do
 * both, with no library to add. The level is {@code dtprobed.log.level} (from
 * {@code --log-level}), else {@code $DTPROBED_LOG_LEVEL}, else INFO; the format is
 * {@link LineFormat#detect}.
 */
public final class LogProvider implements SLF4JServiceProvider {
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private ILoggerFactory factory;

    /** Makes SLF4J use this backend; called first thing in main, before any logger exists. */
    public static void select() {
        System.setProperty("slf4j.provider", LogProvider.class.getName());
        // else SLF4J says on stderr, at INFO, that it loads the provider it was told to load
        System.setProperty("slf4j.internal.verbosity", "WARN");
    }

    /** The level in effect: the property, the environment, or INFO. */
    public static LogLevel threshold(Map<String, String> env) {
        LogLevel l = LogLevel.parse(System.getProperty(LogLevel.PROPERTY));
        if (l == null) {
            l = LogLevel.parse(env.get(LogLevel.ENV));
        }
        return l == null ? LogLevel.INFO : l;
    }

    @Override
    public void initialize() {
        LogLevel level = threshold(System.getenv());
        LineFormat format = LineFormat.detect(System.getenv());
        Map<String, LineLogger> loggers = new ConcurrentHashMap<>();
        factory = name -> loggers.computeIfAbsent(name, n -> new LineLogger(n, level, format, System.err));
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }
}
