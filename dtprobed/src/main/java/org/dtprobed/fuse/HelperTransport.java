package org.dtprobed.fuse;

import java.nio.file.Path;
import org.dtprobed.health.Heartbeat;

/** A running transport serving the helper device; {@link #close()} stops serving and removes the device. */
public interface HelperTransport extends AutoCloseable {
    /** The path clients open ({@code /dev/dtrace/helper} by default). */
    Path devicePath();

    /** "cuse" or "fuse-file". */
    String kind();

    /** True while the kernel connection is up. */
    boolean serving();

    /** The request reader's pulse, for the watchdog. */
    Heartbeat heartbeat();

    @Override
    void close();
}
