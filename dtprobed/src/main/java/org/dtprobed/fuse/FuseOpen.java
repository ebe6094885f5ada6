package org.dtprobed.fuse;

/** {@code FUSE_OPEN} with the caller's open flags. */
public record FuseOpen(FuseInHeader header, int flags) implements FuseRequest {
}
