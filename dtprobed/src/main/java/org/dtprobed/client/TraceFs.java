package org.dtprobed.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The kernel's tracefs, as far as {@code dtprobe trace} needs it: defining and deleting uprobe
 * events (always appending to {@code uprobe_events}: opening it with truncation would delete every
 * other user's uprobes), and a private trace instance so the global buffer is left alone.
 */
final class TraceFs {
    static final Path MOUNT_POINT = Path.of("/sys/kernel/tracing");
    private static final List<Path> CANDIDATES = List.of(MOUNT_POINT, Path.of("/sys/kernel/debug/tracing"));
    static final String GROUP = "dtprobe";

    /** tracefs cannot be used: absent, unmountable, or not permitted. */
    static final class TraceFsException extends IOException {
        private static final long serialVersionUID = 1L;
        final boolean permission;

        TraceFsException(String message, boolean permission) {
            super(message);
            this.permission = permission;
        }
    }

    private final Path root;

    private TraceFs(Path root) {
        this.root = root;
    }

    /** The given tracefs, or the first mounted one, mounting it on /sys/kernel/tracing if none is. */
    static TraceFs locate(Path explicit) throws IOException {
        if (explicit != null) {
            return check(explicit);
        }
        for (Path p : CANDIDATES) {
            if (Files.exists(p.resolve("uprobe_events"))) {
                return check(p);
            }
        }
        mount();
        return check(MOUNT_POINT);
    }

    private static TraceFs check(Path root) throws IOException {
        Path events = root.resolve("uprobe_events");
        if (!Files.exists(events)) {
            throw new TraceFsException(events + " does not exist: this kernel has no uprobe events"
                    + " (CONFIG_UPROBE_EVENTS) or " + root + " is not tracefs", false);
        }
        if (!Files.isWritable(events)) {
            throw new TraceFsException(events + ": permission denied (uprobes need root or CAP_SYS_ADMIN)", true);
        }
        return new TraceFs(root);
    }

    private static void mount() throws IOException {
        Process p = new ProcessBuilder("mount", "-t", "tracefs", "nodev", MOUNT_POINT.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new TraceFsException("tracefs is not mounted and mounting it on " + MOUNT_POINT
                        + " failed: " + output, output.contains("permission") || output.contains("only root"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while mounting tracefs", e);
        }
    }

    Path root() {
        return root;
    }

    /** Defines {@code p:dtprobe/EVENT PATH:0xOFFSET FETCHARGS}; {@code fetchArgs} is empty or starts with a space. */
    void addUprobe(String event, Path file, long offset, String fetchArgs) throws IOException {
        addUprobe(GROUP, event, file, offset, fetchArgs);
    }

    /** Defines {@code p:GROUP/EVENT PATH:0xOFFSET FETCHARGS}: the event perf and trace-cmd know as {@code GROUP:EVENT}. */
    void addUprobe(String group, String event, Path file, long offset, String fetchArgs) throws IOException {
        append(root.resolve("uprobe_events"), definition(group, event, file, offset, fetchArgs));
    }

    /** The {@code uprobe_events} line of a uprobe event. */
    static String definition(String group, String event, Path file, long offset, String fetchArgs) {
        return "p:" + group + "/" + event + " " + file + ":0x" + Long.toHexString(offset) + fetchArgs;
    }

    void removeUprobe(String event) throws IOException {
        removeUprobe(GROUP, event);
    }

    void removeUprobe(String group, String event) throws IOException {
        append(root.resolve("uprobe_events"), "-:" + group + "/" + event);
    }

    /** Every uprobe event line defined now (for tests and diagnostics). */
    List<String> uprobes() throws IOException {
        return Files.readAllLines(root.resolve("uprobe_events"), StandardCharsets.UTF_8);
    }

    Path instance(String name) {
        return root.resolve("instances").resolve(name);
    }

    static void append(Path file, String line) throws IOException {
        try {
            Files.write(file, (line + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        } catch (AccessDeniedException e) {
            throw new TraceFsException(file + ": permission denied", true);
        } catch (IOException e) {
            throw new IOException("writing '" + line + "' to " + file + " failed: " + e.getMessage(), e);
        }
    }

    /** Writes a control file (not uprobe_events) the way {@code echo VALUE > FILE} does. */
    static void set(Path file, String value) throws IOException {
        try {
            Files.write(file, (value + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new IOException("writing '" + value + "' to " + file + " failed: " + e.getMessage(), e);
        }
    }
}
