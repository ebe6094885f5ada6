package org.dtprobed.stash.negative;

/**
 * One negative-cache entry: the object file (dev, inode), the size and mtime it had when judged,
 * the verdict, and when it was recorded (wall clock, milliseconds since the epoch).
 */
public record NegativeEntry(long dev, long inode, long size, long mtimeNanos, Verdict verdict, String reason,
                            long recordedAtMillis) {
    public NegativeEntry {
        if (verdict == null || reason == null) {
            throw new NullPointerException("verdict and reason are required");
        }
    }

    /** Whether the file as seen now is the file that was judged. */
    public boolean matches(long sizeNow, long mtimeNanosNow) {
        return size == sizeNow && mtimeNanos == mtimeNanosNow;
    }
}
