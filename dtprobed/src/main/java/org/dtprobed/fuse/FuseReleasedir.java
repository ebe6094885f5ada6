package org.dtprobed.fuse;

/** {@code FUSE_RELEASEDIR}. */
public record FuseReleasedir(FuseInHeader header, long fh) implements FuseRequest {
}
