package org.dtprobed.fuse;

/** {@code FUSE_FORGET}: no reply is sent. */
public record FuseForget(FuseInHeader header, long lookups) implements FuseRequest {
}
