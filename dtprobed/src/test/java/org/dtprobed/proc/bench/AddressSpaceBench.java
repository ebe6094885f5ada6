package org.dtprobed.proc.bench;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.dtprobed.proc.AddressSpace;
import org.dtprobed.proc.ExecutableId;
import org.dtprobed.proc.Mapping;
import org.dtprobed.proc.ProcFs;
import org.dtprobed.proc.ProcStat;

/**
 * What a registration asks of {@code /proc}, by both routes, against one live process: the
 * caller's stat, the executable's identity, the mapping at the DOF address and the object of a
 * site (its mapping and first mapping). Thread CPU (user + kernel) and bytes allocated per look,
 * rounds alternating. {@code scripts/bench/procmap} runs it.
 *
 * <p>Arguments: PID DOF-ADDRESS SITE-ADDRESS (hex) LOOKS-PER-ROUND.
 */
public final class AddressSpaceBench {
    private AddressSpaceBench() {
    }

    public static void main(String[] args) throws Exception {
        int pid = Integer.parseInt(args[0]);
        long dof = Long.parseUnsignedLong(args[1], 16);
        long site = Long.parseUnsignedLong(args[2], 16);
        int n = Integer.parseInt(args[3]);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        System.out.println("route  round  cpu_us_per_look  allocated_bytes_per_look");
        for (int round = 0; round < 5; round++) {
            for (boolean query : new boolean[] {false, true}) {
                long c0 = mx.getCurrentThreadCpuTime();
                long a0 = mx.getThreadAllocatedBytes(tid);
                long sink = 0;
                for (int i = 0; i < n; i++) {
                    sink += query ? look(ProcFs.SYSTEM, pid, dof, site) : lookText(pid, dof, site);
                }
                long c1 = mx.getCurrentThreadCpuTime();
                long a1 = mx.getThreadAllocatedBytes(tid);
                System.out.printf("%-6s %5d  %15.1f  %24d%s%n", query ? "query" : "text", round, (c1 - c0) / 1e3 / n,
                        (a1 - a0) / n, sink == 42 ? " " : "");
            }
        }
    }

    private static long look(ProcFs proc, int pid, long dof, long site) throws Exception {
        ProcStat stat = proc.stat(pid);
        try (AddressSpace space = proc.addressSpace(pid)) {
            ExecutableId exe = proc.executable(pid, space, stat);
            Mapping holder = space.mappingAt(dof).orElseThrow();
            Mapping object = space.mappingAt(site).orElseThrow();
            return exe.inode() + holder.start() + space.firstOf(object).start();
        }
    }

    /** As the text route ran before PROCMAP_QUERY: one read of the maps text and the exe link. */
    private static long lookText(int pid, long dof, long site) throws Exception {
        ProcStat stat = ProcFs.SYSTEM_TEXT.stat(pid);
        List<Mapping> maps = ProcFs.SYSTEM_TEXT.maps(pid);
        ExecutableId exe = ProcFs.SYSTEM_TEXT.executable(pid, maps);
        AddressSpace space = AddressSpace.of(maps);
        Mapping holder = space.mappingAt(dof).orElseThrow();
        Mapping object = space.mappingAt(site).orElseThrow();
        return exe.inode() + holder.start() + space.firstOf(object).start() + stat.startTime();
    }
}
