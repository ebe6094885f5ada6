package org.dtprobed.fuse;

/** {@code FUSE_STATFS}. */
public record FuseStatfs(FuseInHeader header) implements FuseRequest {
}
