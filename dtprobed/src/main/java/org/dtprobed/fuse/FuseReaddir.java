package org.dtprobed.fuse;

/** {@code FUSE_READDIR}: entries from {@code offset}, at most {@code size} bytes of them. */
public record FuseReaddir(FuseInHeader header, long fh, long offset, int size) implements FuseRequest {
}
