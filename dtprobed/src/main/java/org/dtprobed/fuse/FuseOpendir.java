package org.dtprobed.fuse;

/** {@code FUSE_OPENDIR}. */
public record FuseOpendir(FuseInHeader header, int flags) implements FuseRequest {
}
