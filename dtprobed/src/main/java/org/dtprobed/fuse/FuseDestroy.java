package org.dtprobed.fuse;

/** {@code FUSE_DESTROY}: the filesystem is going away. */
public record FuseDestroy(FuseInHeader header) implements FuseRequest {
}
