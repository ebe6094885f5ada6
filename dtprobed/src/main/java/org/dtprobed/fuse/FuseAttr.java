package org.dtprobed.fuse;

/** The attributes this package reports for a node ({@code fuse_attr}); times in seconds. */
public record FuseAttr(long ino, long size, int mode, int nlink, int uid, int gid, long time) {
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
}
