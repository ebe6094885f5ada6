package org.dtprobed.protocol;

/**
 * A file as the kernel names it: device and inode. The key of an object file wherever one is
 * looked up by identity (the stash's index, the negative cache, the start-up scan's objects seen).
 */
public record FileId(long dev, long inode) {
    // written out rather than generated: a record's equals and hashCode are bootstrapped through
    // method handles (classes spun at the first call), and a start-up with a full stash calls them
    // 10,000s of times before the JIT has compiled them
    @Override
    public boolean equals(Object o) {
        return o instanceof FileId f && f.dev == dev && f.inode == inode;
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(dev) + Long.hashCode(inode);
    }
}
