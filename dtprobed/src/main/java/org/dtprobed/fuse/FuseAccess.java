package org.dtprobed.fuse;

/** {@code FUSE_ACCESS} with the {@code access(2)} mask. */
public record FuseAccess(FuseInHeader header, int mask) implements FuseRequest {
}
