package org.dtprobed.fuse;

/** {@code FUSE_RELEASE}: the last close of an open file. */
public record FuseRelease(FuseInHeader header, long fh) implements FuseRequest {
}
