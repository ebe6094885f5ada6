package org.dtprobed.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --metrics-file}: the metrics written every interval for node_exporter's textfile
 * collector, which reads whatever is in the file when it is scraped: each version is written to a
 * temporary file beside it and renamed over it, so a reader never sees half a file.
 */
final class MetricsFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsFile.class);
    private static final long PID = ProcessHandle.current().pid();

    private final Path file;
    private final Path temp;
    private final Supplier<String> text;
    private final ScheduledExecutorService timer;
    private boolean failing;

    private MetricsFile(Path file, Duration every, Supplier<String> text) {
        this.file = file;
        this.temp = file.resolveSibling("." + file.getFileName() + ".tmp-" + PID);
        this.text = text;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dtprobed-metrics-file");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::write, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    static MetricsFile start(Path file, Duration every, Supplier<String> text) {
        LOG.info("pid {}: writing metrics to {} every {} ms", PID, file, every.toMillis());
        return new MetricsFile(file, every, text);
    }

    private synchronized void write() {
        try {
            Files.writeString(temp, text.get(), StandardCharsets.UTF_8);
            // node_exporter need not run as root; the unit's UMask=0077 would hide the file from it
            Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (failing) {
                LOG.info("pid {}: metrics file {} written again", PID, file);
                failing = false;
            }
        } catch (IOException | RuntimeException e) {
            if (!failing) { // one line per outage, not one per interval
                LOG.warn("pid {}: cannot write metrics file {}: {}", PID, file, e.toString());
                failing = true;
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the next write replaces it
            }
        }
    }

    /** Stops the timer after one last write, so the file holds the final counts. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        write();
    }
}
