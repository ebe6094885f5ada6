package org.dtprobed.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dtprobed.protocol.Numbers;
import org.dtprobed.protocol.ProbeEntry;

/**
 * {@code dtprobe list --format perf|bpftrace}: every probe site in the form another tracer takes.
 * perf: the {@code uprobe_events} line {@code dtprobe publish} would write ({@code
 * p:GROUP/EVENT FILE:0xOFFSET FETCHARGS}). bpftrace: {@code uprobe:FILE:0xADDRESS}, the address as
 * the ELF file has it (the run-time address in a non-PIE executable, the file offset in a PIE
 * executable or shared library). Sites are placed as {@code trace} places them (a deleted file
 * through {@code /proc/PID/map_files}); bpftrace cannot read such a file, so those are left out
 * with a line saying so.
 */
final class AttachPoints {
    private static final int ET_EXEC = 2;

    private AttachPoints() {
    }

    static void print(List<ProbeEntry> probes, boolean perf, PrintWriter out, PrintWriter err) throws IOException {
        Map<String, Set<String>> names = new HashMap<>();
        Map<Path, Boolean> exec = new HashMap<>();
        for (ProbeEntry p : probes) {
            String group = Publisher.eventName(p.providerWithPid());
            for (Tracer.Target t : Tracer.plan(List.of(p), err).keySet()) {
                if (perf) {
                    String name = Publisher.unique(names, group, Publisher.eventName(p.name()));
                    out.println(TraceFs.definition(group, name, t.file(), t.offset(),
                            ArgFetch.definitions(ArgFetch.of(p.nativeTypes()))));
                } else if (t.file().startsWith("/proc")) {
                    err.println("dtprobe: " + p.fullName() + ": its file is deleted; bpftrace cannot attach to it"
                            + " (dtprobe trace and publish can)");
                } else {
                    boolean isExec = exec.computeIfAbsent(t.file(), AttachPoints::isExecutable);
                    long address = isExec ? t.offset() - p.mapping().offset() + p.mapping().base() : t.offset();
                    out.println("uprobe:" + t.file() + ":" + Numbers.hex(address) + "  // " + p.fullName());
                }
            }
        }
    }

    /** Whether the file is an ELF ET_EXEC (addresses fixed at link time) rather than ET_DYN. */
    private static boolean isExecutable(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] h = in.readNBytes(18);
            return h.length == 18 && h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F'
                    && (h[16] & 0xff | (h[17] & 0xff) << 8) == ET_EXEC;
        } catch (IOException e) {
            return false;
        }
    }
}
