package org.dtprobed.fuse;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The helper file's open handles that have had no ioctl yet, each with the process that opened it,
 * so that a release can tell drti's destructor (open, a REMOVE the kernel refuses, close) from a
 * registration (open, ADDDOF, close). A RELEASE carries no caller (the kernel sends it without
 * credentials), only the handle we gave at OPEN. Bounded: a process holding more handles open
 * than {@link #MAX_TRACKED} gets untracked ones (handle 0), whose release tells nothing.
 */
final class OpenFiles {
    static final int MAX_TRACKED = 65_536;
    /** Handle of an open that is not tracked. */
    static final long UNTRACKED = 0;

    private final ConcurrentHashMap<Long, Integer> openers = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong(UNTRACKED);

    /** A handle for an OPEN by {@code process}; 0 (untracked) for a process of no interest (0). */
    long opened(int process) {
        if (process <= 0 || openers.size() >= MAX_TRACKED) {
            return UNTRACKED;
        }
        long fh = next.incrementAndGet();
        openers.put(fh, process);
        return fh;
    }

    /** An ioctl arrived on {@code fh}: its release says nothing any more. */
    void ioctl(long fh) {
        if (fh != UNTRACKED) {
            openers.remove(fh);
        }
    }

    /** The opener of a released handle that saw no ioctl, or 0. */
    int released(long fh) {
        Integer process = fh == UNTRACKED ? null : openers.remove(fh);
        return process == null ? 0 : process;
    }

    int tracked() {
        return openers.size();
    }
}
