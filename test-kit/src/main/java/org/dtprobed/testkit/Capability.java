package org.dtprobed.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Something of the machine a test needs beyond a JVM: each one says, in one line, what is missing.
 * {@code scripts/test} installs the packages behind them, so on a prepared machine none is missing.
 */
public enum Capability {
    /** uid 0: mounts, setpriv to another user, the parser children's privilege drop, uprobes. */
    ROOT {
        @Override
        Optional<String> missing() {
            long uid = ownUid();
            return uid == 0 ? Optional.empty() : Optional.of("root (running as uid " + uid + ")");
        }
    },
    /** The FUSE device, for the FUSE-file transport on the host kernel. */
    FUSE {
        @Override
        Optional<String> missing() {
            Path dev = Path.of("/dev/fuse");
            return Files.isReadable(dev) && Files.isWritable(dev) ? Optional.empty()
                    : Optional.of("a usable /dev/fuse (the fuse kernel module)");
        }
    },
    /** Linux 6.11 or later: the PROCMAP_QUERY ioctl on {@code /proc/<pid>/maps}. */
    PROCMAP_QUERY {
        @Override
        Optional<String> missing() {
            try {
                String[] v = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim().split("[.-]");
                int major = Integer.parseInt(v[0]);
                int minor = Integer.parseInt(v[1]);
                return major > 6 || (major == 6 && minor >= 11) ? Optional.empty()
                        : Optional.of("Linux 6.11 or later for PROCMAP_QUERY (this is " + major + "." + minor + ")");
            } catch (IOException | RuntimeException e) {
                return Optional.of("a readable kernel release in /proc/sys/kernel/osrelease");
            }
        }
    },
    /** Kernel uprobe events through tracefs (mounted already, or mountable). */
    UPROBES {
        @Override
        Optional<String> missing() {
            for (String dir : new String[] {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
                if (Files.exists(Path.of(dir, "uprobe_events"))) {
                    return Optional.empty();
                }
            }
            try {
                if (Files.readString(Path.of("/proc/filesystems")).contains("\ttracefs")) {
                    return Optional.empty();
                }
            } catch (IOException e) {
                // no /proc/filesystems: nothing says tracefs exists
            }
            return Optional.of("kernel uprobe events (tracefs with uprobe_events)");
        }
    },
    /** npm, to fetch unmodified libusdt (dtrace-provider) from the npm registry. */
    NPM {
        @Override
        Optional<String> missing() {
            return command("npm");
        }
    },
    /** qemu for the Debian 6.1 guest with CUSE (scripts/vm/). */
    QEMU {
        @Override
        Optional<String> missing() {
            return command("qemu-system-x86_64");
        }
    },
    /** Debian's python3-prometheus-client: a real parser of the metrics text formats. */
    PROMETHEUS_CLIENT {
        @Override
        Optional<String> missing() {
            return Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/prometheus_client"))
                    && Files.isExecutable(Path.of("/usr/bin/python3")) ? Optional.empty()
                    : Optional.of("/usr/bin/python3 with prometheus_client (Debian's python3-prometheus-client)");
        }
    },
    /** Debian's linux-perf: {@code perf record} on uprobe trace events. */
    PERF {
        @Override
        Optional<String> missing() {
            return command("perf");
        }
    },
    /** A C compiler for the test programs and clients. */
    GCC {
        @Override
        Optional<String> missing() {
            return command("gcc");
        }
    };

    /** Empty when the machine has it; otherwise what is missing, as a phrase. */
    abstract Optional<String> missing();

    private static Optional<String> command(String name) {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(name + " on PATH");
    }

    /** This process's real uid, from /proc (no native call needed). */
    public static long ownUid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the uid of /proc/self", e);
        }
    }

    /** True when this process runs as root. */
    public static boolean root() {
        return ROOT.missing().isEmpty();
    }
}
