package org.dtprobed.fuse;

/** {@code FUSE_INTERRUPT}: the caller of request {@code target} got a signal. */
public record FuseInterrupt(FuseInHeader header, long target) implements FuseRequest {
}
