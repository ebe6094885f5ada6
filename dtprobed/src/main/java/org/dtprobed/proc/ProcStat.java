package org.dtprobed.proc;

/**
 * What the daemon takes from {@code /proc/<pid>/stat} (or a thread's), read in one go.
 *
 * @param startTime field 22: start time in clock ticks since boot (tells a reused id from the original)
 * @param codeStart field 26: {@code mm->start_code}, an address in the executable's text: any
 *                  thread's file shows its process's; 0 for a process without memory, 1 where the
 *                  reader may not trace it
 */
public record ProcStat(long startTime, long codeStart) {
    /** Whether {@link #codeStart} is an address to look up (the kernel shows 0 or 1 otherwise). */
    public boolean hasCodeStart() {
        return Long.compareUnsigned(codeStart, 1) > 0;
    }
}
