package org.dtprobed.fuse;

/** {@code FUSE_BATCH_FORGET}: no reply is sent; the entries are not needed by a static tree. */
public record FuseBatchForget(FuseInHeader header, int count) implements FuseRequest {
}
