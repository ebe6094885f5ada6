package org.dtprobed.stash.negative;

/**
 * One negative-cache entry: the object file (dev, inode), the size and mtime it had when judged,
 * the verdict, when it was recorded (wall clock, milliseconds since the epoch), and the path it
 * was seen under ("" when unknown; another path may name the same file).
 */
public record NegativeEntry(long dev, long inode, long size, long mtimeNanos, Verdict verdict, String reason,
                            long recordedAtMillis, String path) {
    public NegativeEntry {
        if (verdict == null || reason == null || path == null) {
            throw new NullPointerException("verdict, reason and path are required");
        }
    }

    public NegativeEntry(long dev, long inode, long size, long mtimeNanos, Verdict verdict, String reason,
                         long recordedAtMillis) {
        this(dev, inode, size, mtimeNanos, verdict, reason, recordedAtMillis, "");
    }

    /** Whether the file as seen now is the file that was judged. */
    public boolean matches(long sizeNow, long mtimeNanosNow) {
        return size == sizeNow && mtimeNanos == mtimeNanosNow;
    }
}
