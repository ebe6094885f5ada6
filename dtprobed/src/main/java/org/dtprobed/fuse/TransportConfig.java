package org.dtprobed.fuse;

import java.nio.file.Path;
import org.dtprobed.dof.DofLimits;

/**
 * Where and how the helper device is served.
 *
 * @param deviceName  device path relative to {@code devRoot}, {@code dtrace/helper} by default; the
 *                    CUSE {@code DEVNAME}, or the symlink the FUSE-file route creates
 * @param devRoot     {@code /dev}
 * @param mountpoint  where the FUSE-file route mounts its one-file filesystem
 * @param workers     threads that run registrations (one slow DOF does not stall other callers)
 * @param maxWrite    FUSE {@code max_write}; sets the read buffer size
 * @param limits      DOF limits; the header's load size is checked against them before any allocation
 * @param maxInFlightPerUid requests one uid other than root may have queued or running; one more
 *                    is refused with EAGAIN at once (issue 19: fair shares)
 */
public record TransportConfig(String deviceName, Path devRoot, Path mountpoint, int workers, int maxWrite,
                              DofLimits limits, int maxInFlightPerUid) {
    public static final String DEFAULT_DEVICE = "dtrace/helper";
    public static final Path DEFAULT_MOUNTPOINT = Path.of("/run/dtrace/helperfs");
    public static final int DEFAULT_WORKERS = 4;
    public static final int DEFAULT_MAX_WRITE = 128 * 1024;
    /**
     * A process registers its objects one at a time from one thread (drti's constructors), so 64
     * is 64 processes of one user starting at the same instant; the 65th retries nothing and
     * simply has no probes, which is what a storm earns.
     */
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_UID = 64;

    public TransportConfig {
        if (deviceName.isEmpty() || deviceName.startsWith("/") || deviceName.contains("\0")
                || Path.of(deviceName).normalize().startsWith("..") || deviceName.contains("/../")
                || deviceName.endsWith("/..") || deviceName.equals("..")) {
            throw new IllegalArgumentException("device name '" + deviceName + "' must be a relative path under /dev");
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        if (maxWrite < 4096 || maxWrite > (1 << 20)) {
            throw new IllegalArgumentException("max_write must be 4096..1048576, got " + maxWrite);
        }
        if (maxInFlightPerUid < 1) {
            throw new IllegalArgumentException("maxInFlightPerUid must be at least 1, got " + maxInFlightPerUid);
        }
    }

    public static TransportConfig defaults() {
        return new TransportConfig(DEFAULT_DEVICE, Path.of("/dev"), DEFAULT_MOUNTPOINT, DEFAULT_WORKERS,
                DEFAULT_MAX_WRITE, DofLimits.DEFAULT, DEFAULT_MAX_IN_FLIGHT_PER_UID);
    }

    public TransportConfig withDeviceName(String name) {
        return new TransportConfig(name, devRoot, mountpoint, workers, maxWrite, limits, maxInFlightPerUid);
    }

    public TransportConfig withMountpoint(Path dir) {
        return new TransportConfig(deviceName, devRoot, dir, workers, maxWrite, limits, maxInFlightPerUid);
    }

    public TransportConfig withWorkers(int n) {
        return new TransportConfig(deviceName, devRoot, mountpoint, n, maxWrite, limits, maxInFlightPerUid);
    }

    public TransportConfig withMaxInFlightPerUid(int n) {
        return new TransportConfig(deviceName, devRoot, mountpoint, workers, maxWrite, limits, n);
    }

    /** The path clients open. */
    public Path devicePath() {
        return devRoot.resolve(deviceName);
    }
}
